// The state the emulated services keep between requests, one store per service that needs one. The
// emulator (index.ts) makes them and hands them to every handler in its ServiceContext (service.ts).
import type { Cuid, CuidLike, EmulatorCallback, EmulatorCertificate, EmulatorGrowthView } from './types.js';

export interface CertificateRecord extends EmulatorCertificate {
  uploadedAt: number;
}

/** Uploaded certificates per app and environment (at most one of each). */
export class CertificateStore {
  private readonly byApp = new Map<string, CertificateRecord[]>();

  list(appKey: string): CertificateRecord[] {
    return this.byApp.get(appKey) ?? [];
  }

  has(appKey: string, environment: EmulatorCertificate['environment']): boolean {
    return this.list(appKey).some((c) => c.environment === environment);
  }

  add(appKey: string, record: CertificateRecord): void {
    this.byApp.set(appKey, [...this.list(appKey), record]);
  }

  forget(appKey: string): void {
    this.byApp.delete(appKey);
  }
}

export type ReviewStatus = 'PENDING' | 'PASS' | 'NO_PASS';

/** Review state per app and platform, and every callback delivery attempt. */
export class ReviewStore {
  private readonly reviews = new Map<string, ReviewStatus>();
  readonly callbacks: EmulatorCallback[] = [];

  private static key(appKey: string, platform: string): string {
    return `${appKey}\u001f${platform}`;
  }

  get(appKey: string, platform: string): ReviewStatus | undefined {
    return this.reviews.get(ReviewStore.key(appKey, platform));
  }

  set(appKey: string, platform: string, status: ReviewStatus): void {
    this.reviews.set(ReviewStore.key(appKey, platform), status);
  }
}

/** The bigint key of a CUID named by a test; a number beyond 2^53 may already be rounded, so it is refused. */
function cuidKey(cuid: CuidLike): bigint {
  if (typeof cuid === 'number' && !Number.isSafeInteger(cuid)) throw new RangeError(`CUID ${cuid} is not exact: name a CUID beyond 2^53 as a bigint or a decimal string`);
  return BigInt(cuid);
}

export interface GrowthEvent {
  appKey: string;
  cuid: Cuid;
  eventName: string;
  itime: number;
  randomId: string;
  properties: Record<string, unknown>;
}

/** What the project stored: attributes and channels per cuid, events in arrival order. */
export class GrowthStore {
  private readonly attrs = new Map<bigint, Record<string, unknown>>();
  private readonly chans = new Map<bigint, Map<number, { id: number; channelValues: Record<string, string> }>>();
  private readonly eventList: GrowthEvent[] = [];
  private readonly randomIds = new Set<string>();

  setAttributes(cuid: Cuid, values: Record<string, unknown>): void {
    const key = BigInt(cuid);
    this.attrs.set(key, { ...this.attrs.get(key), ...values });
  }

  /** Adds the events whose randomId is new; returns how many were new. */
  addEvents(list: GrowthEvent[]): number {
    let added = 0;
    for (const ev of list) {
      if (this.randomIds.has(ev.randomId)) continue;
      this.randomIds.add(ev.randomId);
      this.eventList.push(ev);
      added++;
    }
    return added;
  }

  /** Sets channels of a user; a channel id given again replaces its values. */
  setChannels(cuid: Cuid, list: { id: number; channelValues: Record<string, string> }[]): void {
    const key = BigInt(cuid);
    const m = this.chans.get(key) ?? new Map();
    for (const c of list) m.set(c.id, c);
    this.chans.set(key, m);
  }

  view(): EmulatorGrowthView {
    return {
      attributes: (cuid) => ({ ...this.attrs.get(cuidKey(cuid)) }),
      events: () => this.eventList.map((e) => ({ ...e })),
      channels: (cuid) => [...(this.chans.get(cuidKey(cuid))?.values() ?? [])].map((c) => ({ id: c.id, channelValues: { ...c.channelValues } })),
    };
  }
}
