// Quota buckets on Redis, on their own: the sliding window with reservations of MemoryQuotaBackend,
// atomically in a Lua script on one sorted set per bucket (member: a unique slot id, score: the slot
// time). Every method throws when Redis cannot be used; the shared backend (shared.ts) handles that.
//
// One clock: slot times are Redis time (TIME inside the scripts), and a replica only exchanges
// durations with Redis ("wait 250 ms", "refuse beyond 4000 ms"), turned into its own clock on
// arrival. Replicas with skewed clocks therefore still agree on every window.
import { randomUUID } from 'node:crypto';
import type { QuotaBackend } from '../../http/quota.js';
import type { SharedKeys } from '../keys.js';
import type { RedisLink } from '../link.js';
import { asNumbers, LUA_NOW_MS, LuaScript } from '../script.js';

// ARGV: limit, windowMs, maxWaitMs, member. Returns {waitMs, reserved (0/1), slots in the window up to
// now (after this one), slots held (past and future)}.
const RESERVE = new LuaScript(`${LUA_NOW_MS}
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local held = redis.call('ZCARD', KEYS[1])
local at = now
if held >= limit then
  local kth = redis.call('ZRANGE', KEYS[1], held - limit, held - limit, 'WITHSCORES')
  at = math.max(now, tonumber(kth[2]) + window)
end
if at - now > maxWait then
  return {at - now, 0, redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), now), held}
end
redis.call('ZADD', KEYS[1], at, ARGV[4])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.max(at, tonumber(last[2])) - now + window)
return {at - now, 1, redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), now), held + 1}`);

// ARGV: windowMs, then (offsetMs, member) pairs: slots taken elsewhere (offset from now) joining the set.
const MERGE = new LuaScript(`${LUA_NOW_MS}
local window = tonumber(ARGV[1])
local latest = now
for i = 2, #ARGV, 2 do
  local at = now + tonumber(ARGV[i])
  if at > now - window then
    redis.call('ZADD', KEYS[1], at, ARGV[i + 1])
    if at > latest then latest = at end
  end
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) > latest then latest = tonumber(last[2]) end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], latest - now + window) end
return 0`);

// ARGV: ms. Extends the pause, never shortens it.
const PAUSE = new LuaScript(`local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0`);

/** What a reservation told about the bucket (the shared backend's fallback uses it). */
export interface BucketReading {
  /** Local time of the reading. */
  at: number;
  windowMs: number;
  /** Slots in the window ending now, this one included (the `used` of metrics). */
  used: number;
  /** Slots held, past ones still in the window and future reservations. */
  held: number;
}

export class RedisQuotaBackend implements QuotaBackend {
  /** Slot ids by bucket and local slot time, for `release` (kept until the slot time has passed). */
  private readonly members = new Map<string, Map<number, string[]>>();
  private readonly readings = new Map<string, BucketReading>();

  constructor(
    private readonly link: RedisLink,
    private readonly keys: SharedKeys,
    private readonly replicaId: string,
  ) {}

  async reserve(key: string, limit: number, windowMs: number, notAfter: number): Promise<{ at: number; reserved: boolean }> {
    const member = this.newMember();
    // A slot free now is never refused: the caller computed notAfter a round trip ago (QuotaScheduler
    // asks pausedUntil first), so with no wait allowed (maxWaitMs 0) it would otherwise always be late.
    const maxWaitMs = Math.max(0, notAfter - Date.now());
    const reply = await this.link.run((c) => RESERVE.run(c, [this.keys.quotaSlots(key)], [limit, windowMs, Math.floor(maxWaitMs), member]));
    const [waitMs, reserved, used, held] = asNumbers(reply, 4) as [number, number, number, number];
    const now = Date.now();
    this.readings.set(key, { at: now, windowMs, used, held });
    const at = now + waitMs;
    if (reserved === 1) this.remember(key, at, member);
    return { at, reserved: reserved === 1 };
  }

  async release(key: string, at: number): Promise<void> {
    const member = this.forget(key, at);
    if (member) await this.link.run((c) => c.zRem(this.keys.quotaSlots(key), member));
  }

  async pausedUntil(key: string): Promise<number> {
    const ms = await this.link.run((c) => c.pTTL(this.keys.quotaPause(key)));
    return ms > 0 ? Date.now() + ms : 0;
  }

  async pause(key: string, until: number): Promise<void> {
    const ms = Math.ceil(until - Date.now());
    if (ms > 0) await this.link.run((c) => PAUSE.run(c, [this.keys.quotaPause(key)], [ms]));
  }

  /** From the last reservation's reading (best effort: other replicas' slots since then are not seen). */
  used(key: string, windowMs: number): number {
    const reading = this.readings.get(key);
    return reading && Date.now() - reading.at < windowMs ? reading.used : 0;
  }

  /** The last reading of a bucket, if any. */
  reading(key: string): BucketReading | undefined {
    return this.readings.get(key);
  }

  /** Adds slots taken elsewhere (by this replica while Redis was down) to the bucket; they can be released as usual. */
  async merge(key: string, windowMs: number, slots: readonly number[]): Promise<void> {
    if (slots.length === 0) return;
    const now = Date.now();
    const joining = slots.map((at) => ({ at, member: this.newMember() }));
    const args: (string | number)[] = [windowMs, ...joining.flatMap(({ at, member }) => [Math.round(at - now), member])];
    await this.link.run((c) => MERGE.run(c, [this.keys.quotaSlots(key)], args));
    for (const { at, member } of joining) this.remember(key, at, member);
  }

  private newMember(): string {
    return `${this.replicaId}:${randomUUID()}`;
  }

  private remember(key: string, at: number, member: string): void {
    const byTime = this.members.get(key) ?? new Map<number, string[]>();
    this.members.set(key, byTime);
    // Slots are released only while waiting for them: those well past are forgotten now and then.
    if (byTime.size > 256) {
      const now = Date.now();
      for (const time of byTime.keys()) if (time < now - 1_000) byTime.delete(time);
    }
    const atTime = byTime.get(at);
    if (atTime) atTime.push(member);
    else byTime.set(at, [member]);
  }

  private forget(key: string, at: number): string | undefined {
    const byTime = this.members.get(key);
    const members = byTime?.get(at);
    const member = members?.pop();
    if (members && members.length === 0) byTime!.delete(at);
    return member;
  }
}
