// What this replica knows of every quota bucket's slots: its own, and every other replica's, learnt
// from the notices Redis publishes in the same script that grants, merges or releases a slot (and
// from a snapshot whenever the notice subscription (re)starts). Times are this replica's clock.
//
// While Redis answers, the mirror only feeds the `used` metric. When Redis goes away it is what the
// replica's outage share is computed from (shared.ts): the slots the fleet had taken, each counted
// until it leaves its window, so the shares of what is left add up to at most what is left.

export interface MirrorSlot {
  readonly member: string;
  /** Slot time, this replica's clock. */
  readonly at: number;
  /** When it leaves its window: `at + windowMs`. */
  readonly expires: number;
  /**
   * How much of the bucket it stands for when this replica computes its outage share: 1 for a slot
   * Redis granted (any replica's), more for one this replica took while Redis was away (shared.ts).
   */
  readonly weight: number;
}

class BucketSlots {
  /** Sorted by `at`. */
  readonly slots: MirrorSlot[] = [];
  readonly members = new Map<string, MirrorSlot>();

  add(slot: MirrorSlot): void {
    this.members.set(slot.member, slot);
    let i = this.slots.length;
    // Notices arrive nearly in time order: the place is almost always at the end.
    while (i > 0 && this.slots[i - 1]!.at > slot.at) i--;
    this.slots.splice(i, 0, slot);
  }

  remove(member: string): void {
    const slot = this.members.get(member);
    if (!slot) return;
    this.members.delete(member);
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  /** Drops the slots that have left their window. */
  prune(now: number): void {
    // Sorted by `at` and one window per bucket, so by `expires` too (a mixed window, from a bucket
    // whose size was changed, only keeps a slot a little longer: the safe side).
    let n = 0;
    while (n < this.slots.length && this.slots[n]!.expires <= now) n++;
    if (n === 0) return;
    for (const slot of this.slots.splice(0, n)) this.members.delete(slot.member);
  }
}

export class SlotMirror {
  private readonly buckets = new Map<string, BucketSlots>();
  private nextPrune = 0;

  /** Adds a slot unless its member is known already (then the first-known one stays, with its weight). */
  add(key: string, member: string, at: number, windowMs: number, weight = 1): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new BucketSlots()));
    if (bucket.members.has(member)) return false;
    const now = Date.now();
    if (at + windowMs <= now) return false;
    bucket.add({ member, at, expires: at + windowMs, weight });
    if (now >= this.nextPrune) this.pruneAll(now);
    return true;
  }

  remove(key: string, member: string): void {
    this.buckets.get(key)?.remove(member);
  }

  /** The slots of a bucket still in their window, sorted by time (future ones included). */
  live(key: string, now = Date.now()): readonly MirrorSlot[] {
    const bucket = this.buckets.get(key);
    if (!bucket) return [];
    bucket.prune(now);
    return bucket.slots;
  }

  /** Slots with a time in (from, to]. */
  count(key: string, from: number, to: number): number {
    let n = 0;
    for (const slot of this.live(key)) if (slot.at > from && slot.at <= to) n++;
    return n;
  }

  /** The buckets holding slots still in their window. */
  keys(now = Date.now()): string[] {
    this.pruneAll(now);
    return [...this.buckets.keys()];
  }

  /** Drops what has left its window, and buckets left empty; at most once a second from `add`. */
  private pruneAll(now: number): void {
    this.nextPrune = now + 1_000;
    for (const [key, bucket] of this.buckets) {
      bucket.prune(now);
      if (bucket.slots.length === 0) this.buckets.delete(key);
    }
  }
}
