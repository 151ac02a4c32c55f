// The log of every request the emulator received, with its arrival time, so tests can assert what the
// gateway sent, how often, and how many fell into one quota window, without a proxy in between.
import type { CallFilter, RecordedCall } from './types.js';

export type { CallFilter } from './types.js';

/** A predicate for a filter; throws SyntaxError on an invalid pathPattern. */
export function callMatcher(filter: CallFilter): (call: RecordedCall) => boolean {
  const re = filter.pathPattern !== undefined ? new RegExp(filter.pathPattern) : null;
  const { status } = filter;
  const statusOk =
    status === undefined
      ? () => true
      : status === 'answered'
        ? (s: number) => s !== 0
        : typeof status === 'number'
          ? (s: number) => s === status
          : (s: number) => status.includes(s);
  return (c) =>
    (filter.service === undefined || c.service === filter.service) &&
    (filter.appKey === undefined || c.appKey === filter.appKey) &&
    (filter.method === undefined || c.method === filter.method.toUpperCase()) &&
    (re === null || re.test(c.path)) &&
    statusOk(c.status);
}

export class CallLog {
  readonly calls: RecordedCall[] = [];

  record(call: RecordedCall): RecordedCall {
    this.calls.push(call);
    return call;
  }

  matching(filter: CallFilter = {}): RecordedCall[] {
    return this.calls.filter(callMatcher(filter));
  }

  count(filter: CallFilter = {}): number {
    return this.matching(filter).length;
  }

  /** The largest number of matching calls in one fixed window floor(at / windowMs). */
  maxPerWindow(filter: CallFilter, windowMs: number): number {
    if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError('windowMs must be a positive number');
    const perWindow = new Map<number, number>();
    let max = 0;
    for (const c of this.matching(filter)) {
      const w = Math.floor(c.at / windowMs);
      const n = (perWindow.get(w) ?? 0) + 1;
      perWindow.set(w, n);
      max = Math.max(max, n);
    }
    return max;
  }

  /** Empties the log in place, so references to `calls` stay live. */
  reset(): void {
    this.calls.length = 0;
  }
}
