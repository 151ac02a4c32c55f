// A Lua script sent by its SHA1 (EVALSHA), and in full only when Redis does not know it yet (after a
// restart, or the first time), so each call costs one round trip and a few bytes.
import { createHash } from 'node:crypto';
import type { RedisClient } from './link.js';

export type ScriptReply = number | string | null | ScriptReply[];

export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, keys: string[], args: (string | number)[]): Promise<ScriptReply> {
    const options = { keys, arguments: args.map(String) };
    try {
      return (await client.evalSha(this.sha, options)) as ScriptReply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await client.eval(this.source, options)) as ScriptReply;
    }
  }
}

/** Redis time in epoch ms, inside a script (every score a script writes is on this one clock). */
export const LUA_NOW_MS = `local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)`;

export function asNumbers(reply: ScriptReply, length: number): number[] {
  if (!Array.isArray(reply) || reply.length < length) throw new Error(`unexpected script reply: ${JSON.stringify(reply)}`);
  return reply.slice(0, length).map((v) => {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) throw new Error(`unexpected script reply: ${JSON.stringify(reply)}`);
    return n;
  });
}
