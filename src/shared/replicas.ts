// How many replicas share the Redis: each one puts its id in a sorted set at every heartbeat, scored
// with Redis time; members silent for `livenessMs` (about three heartbeats) are dropped. The count is
// what a replica divides shared limits by while Redis is down, so it keeps the last one it knew.
import type { RedisLink } from './link.js';
import { asNumbers, LUA_NOW_MS, LuaScript } from './script.js';

const HEARTBEAT = new LuaScript(`${LUA_NOW_MS}
local liveness = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - liveness)
redis.call('PEXPIRE', KEYS[1], liveness)
return {redis.call('ZCARD', KEYS[1])}`);

export class Replicas {
  private known: number;
  private readonly listeners: ((count: number) => void)[] = [];

  /**
   * @param minimum the count assumed before Redis has ever answered (and a floor after): set it to
   *   the fleet size when replicas may start while Redis is down.
   */
  constructor(
    private readonly link: RedisLink,
    private readonly key: string,
    readonly id: string,
    private readonly livenessMs: number,
    private readonly minimum: number,
  ) {
    this.known = Math.max(1, minimum);
  }

  /** Live replicas (this one included) at the last heartbeat that reached Redis. */
  get count(): number {
    return this.known;
  }

  onCount(listener: (count: number) => void): void {
    this.listeners.push(listener);
  }

  /** Announces this replica and reads the live count; throws when Redis cannot be used. */
  async beat(): Promise<void> {
    const [live] = asNumbers(await this.link.run((c) => HEARTBEAT.run(c, [this.key], [this.id, this.livenessMs])), 1);
    const count = Math.max(1, this.minimum, live ?? 1);
    if (count === this.known) return;
    this.known = count;
    for (const listener of this.listeners) listener(count);
  }

  /** Leaves the set at shutdown, so the others' share grows at once rather than after the liveness period. */
  async leave(): Promise<void> {
    if (this.link.up) await this.link.run((c) => c.zRem(this.key, this.id)).catch(() => {});
  }
}

/** `limit` divided among the live replicas, at least 1. */
export function shareOf(limit: number, replicas: number): number {
  return Math.max(1, Math.floor(limit / Math.max(1, replicas)));
}
