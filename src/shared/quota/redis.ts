// Quota buckets on Redis, on their own: the sliding window with reservations of MemoryQuotaBackend,
// atomically in a Lua script on one sorted set per bucket (member: a unique slot id, score: the slot
// time). Every method throws when Redis cannot be used; the shared backend (shared.ts) handles that.
//
// One clock: slot times are Redis time (TIME inside the scripts), and a replica only exchanges
// durations with Redis ("wait 250 ms", "refuse beyond 4000 ms"), turned into its own clock on
// arrival. Replicas with skewed clocks therefore still agree on every window.
//
// Every slot granted, merged or released is announced, in the same script, on the notices channel
// (`<prefix>qn`): each replica keeps what it hears (mirror.ts), so when Redis goes away it knows what
// the fleet had taken. An index (`<prefix>qi`, bucket key → when its last slot leaves its window)
// lets a replica read every live bucket when it starts listening, without scanning the keyspace.
import { randomUUID } from 'node:crypto';
import type { QuotaBackend } from '../../http/quota.js';
import type { SharedKeys } from '../keys.js';
import type { RedisLink } from '../link.js';
import { asNumbers, LUA_NOW_MS, LuaScript, type ScriptReply } from '../script.js';

/** KEYS[2] is the index: the bucket (ARGV named) lives there until its last slot leaves the window. */
const LUA_INDEX = `local function index(bucket, untilMs)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local current = redis.call('ZSCORE', KEYS[2], bucket)
  if not current or tonumber(current) < untilMs then redis.call('ZADD', KEYS[2], untilMs, bucket) end
  if redis.call('PTTL', KEYS[2]) < untilMs - now then redis.call('PEXPIRE', KEYS[2], untilMs - now) end
end`;

// KEYS: slots, index. ARGV: limit, windowMs, maxWaitMs, member, channel, bucket. Returns {waitMs,
// reserved (0/1), slots in the window up to now (after this one), slots held (past and future)}.
const RESERVE = new LuaScript(`${LUA_NOW_MS}
${LUA_INDEX}
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
local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
redis.call('PEXPIRE', KEYS[1], math.max(at, last) - now + window)
index(ARGV[6], math.max(at, last) + window)
redis.call('PUBLISH', ARGV[5], cjson.encode({'a', ARGV[6], at - now, ARGV[4]}))
return {at - now, 1, redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), now), held + 1}`);

// KEYS: slots, index. ARGV: windowMs, channel, bucket, then (offsetMs, member) pairs: slots taken
// elsewhere (offset from now) joining the set unless it holds them already. Returns how many joined.
const MERGE = new LuaScript(`${LUA_NOW_MS}
${LUA_INDEX}
local window = tonumber(ARGV[1])
local latest = now
local added = 0
for i = 4, #ARGV, 2 do
  local at = now + tonumber(ARGV[i])
  if at > now - window and redis.call('ZADD', KEYS[1], 'NX', at, ARGV[i + 1]) == 1 then
    added = added + 1
    redis.call('PUBLISH', ARGV[2], cjson.encode({'a', ARGV[3], at - now, ARGV[i + 1]}))
  end
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) > latest then latest = tonumber(last[2]) end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], latest - now + window)
  index(ARGV[3], latest + window)
end
return added`);

// KEYS: slots. ARGV: member, channel, bucket.
const RELEASE = new LuaScript(`if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('PUBLISH', ARGV[2], cjson.encode({'r', ARGV[3], 0, ARGV[1]}))
end
return 0`);

// KEYS: slot sets. Returns {now, then per key: count, member, score, member, score, ...}.
const SNAPSHOT = new LuaScript(`${LUA_NOW_MS}
local out = {now}
for i = 1, #KEYS do
  local slots = redis.call('ZRANGE', KEYS[i], 0, -1, 'WITHSCORES')
  out[#out + 1] = #slots / 2
  for j = 1, #slots do out[#out + 1] = slots[j] end
end
return out`);

// ARGV: ms. Extends the pause, never shortens it.
const PAUSE = new LuaScript(`local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0`);

/** A slot as the notices tell it: `at` on this replica's clock. */
export interface SlotNotice {
  kind: 'added' | 'released';
  key: string;
  member: string;
  at: number;
  windowMs: number;
}

/** Slots a merge or a snapshot carries: local time and member. */
export interface Slot {
  at: number;
  member: string;
}

/** A new slot id: `<windowMs>~<replica>~<uuid>` (the window lets a snapshot tell when the slot leaves it). */
export function slotMember(windowMs: number, replicaId: string): string {
  return `${windowMs}~${replicaId}~${randomUUID()}`;
}

/** The window of a slot, from its member (`<windowMs>~<replica>~<uuid>`); a member of another form counts a minute. */
export function windowOfMember(member: string): number {
  const ms = Number.parseInt(member, 10);
  return Number.isFinite(ms) && ms > 0 ? ms : 60_000;
}

export class RedisQuotaBackend implements QuotaBackend {
  /** Slot ids by bucket and local slot time, for `release` (kept until the slot time has passed). */
  private readonly members = new Map<string, Map<number, string[]>>();
  private readonly readings = new Map<string, { at: number; used: number }>();
  private readonly channel: string;
  private readonly index: string;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: SharedKeys,
    private readonly replicaId: string,
  ) {
    // Named here rather than in keys.ts: only the quota scripts use them.
    this.channel = `${keys.prefix}qn`;
    this.index = `${keys.prefix}qi`;
  }

  async reserve(key: string, limit: number, windowMs: number, notAfter: number): Promise<{ at: number; reserved: boolean }> {
    const { at, reserved } = await this.reserveSlot(key, limit, windowMs, notAfter);
    return { at, reserved };
  }

  /** `reserve`, telling the slot's member too. */
  async reserveSlot(key: string, limit: number, windowMs: number, notAfter: number): Promise<{ at: number; reserved: boolean; member: string }> {
    const member = this.newMember(windowMs);
    // A slot free now is never refused: the caller computed notAfter a round trip ago (QuotaScheduler
    // asks pausedUntil first), so with no wait allowed (maxWaitMs 0) it would otherwise always be late.
    const maxWaitMs = Math.max(0, notAfter - Date.now());
    const reply = await this.link.run((c) => RESERVE.run(c, [this.keys.quotaSlots(key), this.index], [limit, windowMs, Math.floor(maxWaitMs), member, this.channel, key]));
    const [waitMs, reserved, used] = asNumbers(reply, 4) as [number, number, number, number];
    const now = Date.now();
    this.readings.set(key, { at: now, used });
    const at = now + waitMs;
    if (reserved === 1) this.remember(key, at, member);
    return { at, reserved: reserved === 1, member };
  }

  async release(key: string, at: number): Promise<void> {
    const member = this.forget(key, at);
    if (member) await this.releaseMember(key, member);
  }

  /** Gives a slot back by its member (announced, so the replicas' mirrors drop it too). */
  async releaseMember(key: string, member: string): Promise<void> {
    await this.link.run((c) => RELEASE.run(c, [this.keys.quotaSlots(key)], [member, this.channel, key]));
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

  /**
   * Adds slots (local times, members kept) to the bucket unless it holds them already, so a merge
   * can be repeated, and slots Redis kept are not counted twice. Returns how many joined.
   */
  async merge(key: string, windowMs: number, slots: readonly Slot[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < slots.length; i += 500) {
      const now = Date.now();
      const chunk = slots.slice(i, i + 500);
      const args: (string | number)[] = [windowMs, this.channel, key, ...chunk.flatMap(({ at, member }) => [Math.round(at - now), member])];
      const reply = await this.link.run((c) => MERGE.run(c, [this.keys.quotaSlots(key), this.index], args));
      added += Number(reply);
    }
    for (const { at, member } of slots) this.remember(key, at, member);
    return added;
  }

  /** Every slot of every bucket still in its window, as Redis holds them now (local times). */
  async snapshot(): Promise<Map<string, Slot[]>> {
    const out = new Map<string, Slot[]>();
    // Entries past their time are dropped by the scripts; a bucket whose set expired answers 0 slots.
    const buckets = await this.link.run((c) => c.zRange(this.index, 0, -1));
    for (let i = 0; i < buckets.length; i += 100) {
      const chunk = buckets.slice(i, i + 100);
      const sent = Date.now();
      const reply = await this.link.run((c) =>
        SNAPSHOT.run(
          c,
          chunk.map((key) => this.keys.quotaSlots(key)),
          [],
        ),
      );
      // Redis's `now` maps to the middle of the round trip.
      const localNow = (sent + Date.now()) / 2;
      if (!Array.isArray(reply) || reply.length < 1) throw new Error(`unexpected script reply: ${JSON.stringify(reply)}`);
      const redisNow = Number(reply[0]);
      let p = 1;
      for (const key of chunk) {
        const count = Number(reply[p++]);
        const slots: Slot[] = [];
        for (let j = 0; j < count; j++) {
          const member = String(reply[p++] as ScriptReply);
          const score = Number(reply[p++]);
          slots.push({ member, at: localNow + (score - redisNow) });
        }
        if (slots.length > 0) out.set(key, slots);
      }
    }
    return out;
  }

  /** Every slot granted, merged or released by any replica, from the subscription on (and again after each reconnection). */
  listen(listener: (notice: SlotNotice) => void): void {
    this.link.subscribe(this.channel, (raw) => {
      const notice = parseNotice(raw);
      if (notice) listener(notice);
    });
  }

  private newMember(windowMs: number): string {
    return slotMember(windowMs, this.replicaId);
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

function parseNotice(raw: string): SlotNotice | undefined {
  try {
    const [kind, key, offset, member] = JSON.parse(raw) as [unknown, unknown, unknown, unknown];
    if ((kind !== 'a' && kind !== 'r') || typeof key !== 'string' || typeof offset !== 'number' || typeof member !== 'string') return undefined;
    return { kind: kind === 'a' ? 'added' : 'released', key, member, at: Date.now() + offset, windowMs: windowOfMember(member) };
  } catch {
    return undefined;
  }
}
