// Quota buckets replicas share: on Redis while it answers; while it does not, a conservative share
// per replica — the same sliding window in this process with `limit = max(1, floor(limit / replicas))`,
// `replicas` being the last count known — so N replicas together stay within the quota either way.
//
// Crossing over:
//  - Redis → local: a bucket's local window starts with this replica's part of the slots Redis held at
//    its last reading (ceil(held / replicas)), so the replicas' shares add up to what was left. Slots
//    others took after that reading are not known; Jiguang's own rate-limit answer (a pause) remains
//    the backstop for that short overlap.
//  - local → Redis: before Redis is used again, the slots this replica took during the outage that are
//    still in their window join the Redis set (and pauses learnt meanwhile are written), so the shared
//    bucket counts them.

import type { Logger } from '../../core/logger.js';
import { MemoryQuotaBackend, type QuotaBackend } from '../../http/quota.js';
import type { RedisLink } from '../link.js';
import { shareOf } from '../replicas.js';
import type { RedisQuotaBackend } from './redis.js';

interface OutageSlots {
  windowMs: number;
  /** Local slot times this replica reserved while Redis was down. */
  slots: number[];
}

export class SharedQuotaBackend implements QuotaBackend {
  private local = new MemoryQuotaBackend();
  private readonly outage = new Map<string, OutageSlots>();
  private readonly seeded = new Set<string>();
  /** Pauses Jiguang asked for while Redis could not be told. */
  private readonly unsharedPauses = new Map<string, number>();
  private sharing: Promise<void> = Promise.resolve();

  constructor(
    private readonly link: RedisLink,
    private readonly redis: RedisQuotaBackend,
    private readonly replicas: () => number,
    private readonly logger: Logger,
    private readonly onFallback: () => void = () => {},
  ) {
    link.onRecovery(() => this.shareOutage());
    // Slots reserved between the recovery hook and the switch are merged right after it, best effort.
    link.onHealth((health) => {
      if (health === 'ok' && (this.outage.size > 0 || this.unsharedPauses.size > 0)) void this.shareOutage().catch(() => {});
    });
  }

  async reserve(key: string, limit: number, windowMs: number, notAfter: number): Promise<{ at: number; reserved: boolean }> {
    if (this.link.up) {
      try {
        return await this.redis.reserve(key, limit, windowMs, notAfter);
      } catch (error) {
        this.fellBack('reserve', error);
      }
    }
    const replicas = this.replicas();
    if (!this.seeded.has(key)) {
      this.seeded.add(key);
      await this.seed(key, windowMs, replicas);
    }
    // As on Redis, a slot free now is never refused for a notAfter computed a moment ago.
    const result = await this.local.reserve(key, shareOf(limit, replicas), windowMs, Math.max(notAfter, Date.now() + 1));
    if (result.reserved) {
      const taken = this.outage.get(key) ?? { windowMs, slots: [] };
      taken.slots.push(result.at);
      this.outage.set(key, taken);
    }
    return result;
  }

  async release(key: string, at: number): Promise<void> {
    const taken = this.outage.get(key);
    const i = taken?.slots.lastIndexOf(at) ?? -1;
    if (taken && i >= 0) {
      taken.slots.splice(i, 1);
      await this.local.release(key, at);
      return;
    }
    // A slot Redis holds: when it cannot be given back, it just stays taken (the safe side).
    if (this.link.up) await this.redis.release(key, at).catch((error: unknown) => this.fellBack('release', error));
  }

  async pausedUntil(key: string): Promise<number> {
    const local = await this.local.pausedUntil(key);
    if (!this.link.up) return local;
    try {
      const shared = await this.redis.pausedUntil(key);
      // Remembered here too, so an outage does not forget a pause another replica learnt.
      if (shared > local) await this.local.pause(key, shared);
      return Math.max(local, shared);
    } catch (error) {
      this.fellBack('pausedUntil', error);
      return local;
    }
  }

  async pause(key: string, until: number): Promise<void> {
    await this.local.pause(key, until);
    if (this.link.up) {
      try {
        await this.redis.pause(key, until);
        return;
      } catch (error) {
        this.fellBack('pause', error);
      }
    }
    this.unsharedPauses.set(key, Math.max(until, this.unsharedPauses.get(key) ?? 0));
  }

  used(key: string, windowMs: number): number {
    return this.link.up ? this.redis.used(key, windowMs) : this.local.used(key, windowMs);
  }

  /** The local window starts with this replica's part of what Redis held at its last reading. */
  private async seed(key: string, windowMs: number, replicas: number): Promise<void> {
    const reading = this.redis.reading(key);
    if (!reading || Date.now() - reading.at >= windowMs) return;
    const part = Math.ceil(reading.held / replicas);
    // Placeholders at "now": they leave the window no earlier than the slots they stand for.
    for (let i = 0; i < part; i++) await this.local.reserve(key, Number.MAX_SAFE_INTEGER, windowMs, Number.POSITIVE_INFINITY);
  }

  /** Recovery: the outage's slots still in their window, and its pauses, go to Redis; then the local state is reset. */
  private shareOutage(): Promise<void> {
    // One pass at a time, so no slot is merged twice.
    const pass = this.sharing.then(() => this.shareOutageNow());
    this.sharing = pass.catch(() => {});
    return pass;
  }

  private async shareOutageNow(): Promise<void> {
    const now = Date.now();
    let merged = 0;
    for (const [key, taken] of [...this.outage]) {
      const snapshot = taken.slots.slice();
      const live = snapshot.filter((at) => at > now - taken.windowMs);
      await this.redis.merge(key, taken.windowMs, live);
      merged += live.length;
      // The snapshot leaves (merged, or out of its window); slots reserved meanwhile stay for the next pass.
      for (const at of snapshot) {
        const i = taken.slots.indexOf(at);
        if (i >= 0) taken.slots.splice(i, 1);
      }
      if (taken.slots.length === 0) this.outage.delete(key);
    }
    for (const [key, until] of [...this.unsharedPauses]) {
      if (until > Date.now()) await this.redis.pause(key, until);
      this.unsharedPauses.delete(key);
    }
    if (merged > 0) this.logger.info('quota slots taken while Redis was down added to the shared buckets', { slots: merged });
    this.local = new MemoryQuotaBackend();
    this.seeded.clear();
  }

  private fellBack(operation: string, error: unknown): void {
    this.onFallback();
    this.logger.debug('shared quota fell back to the per-replica share', { operation, cause: error instanceof Error ? error.message : String(error) });
  }
}
