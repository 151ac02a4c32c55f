// Quota buckets replicas share: on Redis while it answers; while it does not, each replica takes its
// share of what the fleet left, so that N replicas together stay within the quota, in every window,
// across the outage and the return (docs/fleet.md, "Quotas across a Redis outage").
//
// What each replica knows: every slot Redis grants, merges or releases is announced on a channel in
// the same script, and each replica keeps what it hears (mirror.ts: its own slots and the others').
//
// Redis → local: a replica's share is computed from what it knows. With N the replicas counted when
// Redis went away, each replica may hold at most `floor((limit - fleet's slots in the window) / N)`
// of its own in any window: its own outage slots weigh `limit / share` (N when N divides the limit)
// against the slots Redis had granted (weight 1), in one sliding window. The shares of what was left
// add up to at most what was left; once Redis's slots have left the window, it is `share` per window.
//
// local → Redis, before more is granted there: the recovery hook writes back every slot the replica
// knows that is still in its window — the outage's and everyone's from before (ZADD NX: a Redis that
// kept them is not changed, one restarted empty gets them back) — and only then are slots asked of
// Redis again. For `settleMs` after that (the other replicas' return, about three heartbeats), Redis
// grants within the limit less the other replicas' outage shares (what the fleet's slots from before
// the outage left them in the window): their outage slots may not have joined yet.

import type { Logger } from '../../core/logger.js';
import { MemoryQuotaBackend, type QuotaBackend } from '../../http/quota.js';
import type { RedisLink } from '../link.js';
import { shareOf } from '../replicas.js';
import { SlotMirror } from './mirror.js';
import { type RedisQuotaBackend, type Slot, slotMember, windowOfMember } from './redis.js';

export interface SharedQuotaOptions {
  link: RedisLink;
  redis: RedisQuotaBackend;
  /** Live replicas as last counted (this one included). */
  replicas: () => number;
  replicaId: string;
  /** How long after its return a replica holds back the others' shares (their outage slots may not have joined yet). */
  settleMs: number;
  logger: Logger;
  onFallback?: () => void;
}

/** After a return, while the other replicas may still hold outage slots Redis does not know. */
interface Settling {
  until: number;
  /** The replicas counted when Redis went away. */
  replicas: number;
  /** By bucket: the times of the fleet's slots from before the outage (sorted), which bound the others' outage shares. */
  before: Map<string, number[]>;
}

/** A slot this replica took while Redis was away, not yet written back. */
interface OutageSlot {
  at: number;
  windowMs: number;
}

export class SharedQuotaBackend implements QuotaBackend {
  private readonly link: RedisLink;
  private readonly redis: RedisQuotaBackend;
  private readonly mirror = new SlotMirror();
  /** Pauses, remembered here too so an outage does not forget them. */
  private readonly pauses = new MemoryQuotaBackend();
  /** By bucket, then member. */
  private readonly outage = new Map<string, Map<string, OutageSlot>>();
  /** Pauses Jiguang asked for while Redis could not be told. */
  private readonly unsharedPauses = new Map<string, number>();
  /** Redis is where slots are asked for: set once the recovery hook wrote back what this replica held, cleared when Redis goes away. */
  private onRedis = false;
  /** Since Redis went away (or before it ever answered, once a slot was taken here). */
  private outageSince: { replicas: number } | undefined;
  /** After a return: Redis grants within the limit less the other replicas' shares, until `until`. */
  private settling: Settling | undefined;
  private writingBack: Promise<void> | undefined;

  constructor(private readonly options: SharedQuotaOptions) {
    this.link = options.link;
    this.redis = options.redis;
    this.redis.listen((notice) => {
      if (notice.kind === 'added') this.mirror.add(notice.key, notice.member, notice.at, notice.windowMs);
      else this.mirror.remove(notice.key, notice.member);
    });
    // Notices may have been missed while the subscriber was away: read what Redis holds.
    this.link.onSubscriberReady(() => void this.resync().catch(() => {}));
    this.link.onRecovery(() => this.recover());
    this.link.onHealth((health) => {
      if (health === 'degraded') this.wentAway();
    });
  }

  async reserve(key: string, limit: number, windowMs: number, notAfter: number): Promise<{ at: number; reserved: boolean }> {
    if (this.onRedis) {
      try {
        return await this.reserveShared(key, limit, windowMs, notAfter);
      } catch (error) {
        this.fellBack('reserve', error);
      }
    }
    return this.reserveLocal(key, limit, windowMs, notAfter);
  }

  async release(key: string, at: number): Promise<void> {
    const taken = this.outage.get(key);
    if (taken) {
      for (const [member, slot] of taken) {
        if (slot.at !== at) continue;
        taken.delete(member);
        this.mirror.remove(key, member);
        return;
      }
    }
    // A slot Redis holds: when it cannot be given back, it just stays taken (the safe side).
    if (this.onRedis) await this.redis.release(key, at).catch((error: unknown) => this.fellBack('release', error));
  }

  async pausedUntil(key: string): Promise<number> {
    const local = await this.pauses.pausedUntil(key);
    if (!this.onRedis) return local;
    try {
      const shared = await this.redis.pausedUntil(key);
      // Remembered here too, so an outage does not forget a pause another replica learnt.
      if (shared > local) await this.pauses.pause(key, shared);
      return Math.max(local, shared);
    } catch (error) {
      this.fellBack('pausedUntil', error);
      return local;
    }
  }

  async pause(key: string, until: number): Promise<void> {
    await this.pauses.pause(key, until);
    if (this.onRedis) {
      try {
        await this.redis.pause(key, until);
        return;
      } catch (error) {
        this.fellBack('pause', error);
      }
    }
    this.unsharedPauses.set(key, Math.max(until, this.unsharedPauses.get(key) ?? 0));
  }

  /** Slots of the window ending now, the fleet's as this replica heard of them. */
  used(key: string, windowMs: number): number {
    const now = Date.now();
    return this.mirror.count(key, now - windowMs, now);
  }

  private async reserveShared(key: string, limit: number, windowMs: number, notAfter: number): Promise<{ at: number; reserved: boolean }> {
    let granting = limit;
    const settling = this.settling;
    if (settling) {
      if (Date.now() >= settling.until) this.settling = undefined;
      else granting = limit - (settling.replicas - 1) * this.othersOutageShare(settling, key, limit, windowMs, notAfter);
    }
    if (granting < 1) return { at: settling!.until, reserved: false };
    const { at, reserved, member } = await this.redis.reserveSlot(key, granting, windowMs, notAfter);
    if (reserved) this.mirror.add(key, member, at, windowMs);
    return { at, reserved };
  }

  /**
   * The most outage slots another replica may hold, not yet written back, in a window of the slot
   * about to be granted: its share of what the fleet's slots from before the outage left in it
   * (fewer of them in a later window: counted in the window ending at `notAfter`, the latest one).
   */
  private othersOutageShare(settling: Settling, key: string, limit: number, windowMs: number, notAfter: number): number {
    const from = Math.max(notAfter, Date.now()) - windowMs;
    let before = 0;
    for (const at of settling.before.get(key) ?? []) if (at > from) before++;
    return Math.floor((Math.max(0, limit - before) * shareOf(limit, settling.replicas)) / limit);
  }

  /**
   * The earliest slot at or after now such that, in the window ending at it, the fleet's known slots
   * (weight 1) and this replica's own outage slots (weight limit / share) stay within the limit.
   * Synchronous, so two reservations never see the same state.
   */
  private reserveLocal(key: string, limit: number, windowMs: number, notAfter: number): { at: number; reserved: boolean } {
    if (!this.onRedis) this.outageSince ??= { replicas: this.options.replicas() };
    const share = shareOf(limit, this.outageSince?.replicas ?? this.options.replicas());
    const weight = limit / share;
    const room = limit * (1 + 1e-9);
    const now = Date.now();
    const slots = this.mirror.live(key, now);
    let first = 0;
    while (first < slots.length && slots[first]!.at <= now - windowMs) first++;
    let held = 0;
    for (let i = first; i < slots.length; i++) held += slots[i]!.weight;
    let at = now;
    // The oldest slots leave the window first: the slot is free once enough of them have.
    for (let i = first; held + weight > room && i < slots.length; i++) {
      held -= slots[i]!.weight;
      at = Math.max(now, slots[i]!.at + windowMs);
    }
    // As on Redis, a slot free now is never refused for a notAfter computed a moment ago.
    if (held + weight > room || at > Math.max(notAfter, now)) return { at: held + weight > room ? now + windowMs : at, reserved: false };
    const member = slotMember(windowMs, this.options.replicaId);
    this.mirror.add(key, member, at, windowMs, weight);
    const taken = this.outage.get(key) ?? new Map<string, OutageSlot>();
    this.outage.set(key, taken);
    taken.set(member, { at, windowMs });
    // Taken here although Redis answers (a command failed on its own): written back at once.
    if (this.onRedis) void this.writeBack(false).catch(() => {});
    return { at, reserved: true };
  }

  /** The times of the fleet's slots from before the outage, by bucket: what this replica knows, less its outage slots. */
  private fleetSlotsBefore(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    const now = Date.now();
    for (const key of this.mirror.keys(now)) {
      const outage = this.outage.get(key);
      const times = this.mirror
        .live(key, now)
        .filter((slot) => !outage?.has(slot.member))
        .map((slot) => slot.at);
      if (times.length > 0) out.set(key, times);
    }
    return out;
  }

  private wentAway(): void {
    this.onRedis = false;
    this.settling = undefined;
    this.outageSince ??= { replicas: this.options.replicas() };
  }

  /** Adds what Redis holds to what this replica knows (after the subscription (re)starts, and when Redis returns). */
  private async resync(): Promise<void> {
    const snapshot = await this.redis.snapshot();
    for (const [key, slots] of snapshot) {
      for (const { member, at } of slots) this.mirror.add(key, member, at, windowOfMember(member));
    }
  }

  /** The recovery hook: Redis is used again only once it holds what this replica knows. */
  private async recover(): Promise<void> {
    // What Redis holds now (slots granted while this replica was cut off, if Redis kept them): best
    // effort, it only adds to what this replica knows.
    await this.resync().catch((error: unknown) =>
      this.options.logger.debug('quota slots held on Redis not read', { cause: error instanceof Error ? error.message : String(error) }),
    );
    const cameBack = this.outageSince;
    const before = cameBack ? this.fleetSlotsBefore() : new Map<string, number[]>();
    if (cameBack) await this.writeBack(true);
    for (const [key, until] of [...this.unsharedPauses]) {
      if (until > Date.now()) await this.redis.pause(key, until);
      this.unsharedPauses.delete(key);
    }
    // Slots taken here meanwhile are written back too; no await from the last check to the switch.
    for (let pass = 0; this.outage.size > 0; pass++) {
      if (pass === 5) throw new Error('quota slots keep being taken while they are written back; trying again');
      await this.writeBack(false);
    }
    if (cameBack) this.settling = { until: Date.now() + this.options.settleMs, replicas: cameBack.replicas, before };
    this.outageSince = undefined;
    this.onRedis = true;
  }

  /**
   * Writes back to Redis the outage's slots (`everything`: and every slot this replica knows of,
   * since a Redis restarted empty lost them); the outage's slots leave the outage set once written.
   */
  private writeBack(everything: boolean): Promise<void> {
    // One pass at a time, so no slot is counted as written before it is.
    const previous = this.writingBack ?? Promise.resolve();
    const pass = previous.catch(() => {}).then(() => this.writeBackNow(everything));
    this.writingBack = pass;
    return pass;
  }

  private async writeBackNow(everything: boolean): Promise<void> {
    const now = Date.now();
    const keys = new Set(everything ? this.mirror.keys(now) : []);
    for (const key of this.outage.keys()) keys.add(key);
    let outageSlots = 0;
    for (const key of keys) {
      const taken = this.outage.get(key);
      const written = taken ? [...taken.keys()] : [];
      const slots: Slot[] = [];
      let windowMs = 0;
      for (const slot of this.mirror.live(key, now)) {
        if (!everything && !taken?.has(slot.member)) continue;
        slots.push({ at: slot.at, member: slot.member });
        windowMs = Math.max(windowMs, slot.expires - slot.at);
      }
      if (slots.length > 0) await this.redis.merge(key, windowMs, slots);
      // Written (or out of their window); slots taken meanwhile stay for the next pass.
      for (const member of written) taken!.delete(member);
      outageSlots += written.length;
      if (taken && taken.size === 0) this.outage.delete(key);
    }
    if (outageSlots > 0) this.options.logger.info('quota slots taken while Redis was away written back to the shared buckets', { slots: outageSlots });
  }

  private fellBack(operation: string, error: unknown): void {
    this.options.onFallback?.();
    this.options.logger.debug('shared quota fell back to the per-replica share', { operation, cause: error instanceof Error ? error.message : String(error) });
  }
}
