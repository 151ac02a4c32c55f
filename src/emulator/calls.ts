// The log of every request the emulator received, so tests can assert what the gateway sent (and how
// often) without a proxy in between.
import type { RecordedCall, ServiceName } from './types.js';

export interface CallFilter {
  service?: ServiceName;
  pathPattern?: string;
  appKey?: string;
}

export class CallLog {
  readonly calls: RecordedCall[] = [];

  record(call: RecordedCall): RecordedCall {
    this.calls.push(call);
    return call;
  }

  count(filter: CallFilter = {}): number {
    const re = filter.pathPattern !== undefined ? new RegExp(filter.pathPattern) : null;
    return this.calls.filter(
      (c) =>
        (filter.service === undefined || c.service === filter.service) &&
        (filter.appKey === undefined || c.appKey === filter.appKey) &&
        (re === null || re.test(c.path)),
    ).length;
  }

  /** Empties the log in place, so references to `calls` stay live. */
  reset(): void {
    this.calls.length = 0;
  }
}
