// Counters and latency sums of upstream calls, exposed in Prometheus text format at /metrics.
// Labels are the service and an outcome class, never a path or an app key (bounded cardinality).
import type { ServiceName } from '../errors.js';

export type Outcome = 'ok' | 'http_error' | 'timeout' | 'connection_error' | 'malformed' | 'cancelled';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class UpstreamMetrics {
  private readonly counts = new Map<string, number>();
  private readonly durations = new Map<ServiceName, { buckets: number[]; sum: number; count: number }>();

  record(service: ServiceName, outcome: Outcome, seconds: number): void {
    const key = `${service}|${outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let d = this.durations.get(service);
    if (!d) this.durations.set(service, (d = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) d.buckets[i]!++;
    });
    d.sum += seconds;
    d.count++;
  }

  /** Calls made to a service so far (all outcomes). */
  total(service?: ServiceName): number {
    let n = 0;
    for (const [key, value] of this.counts) if (!service || key.startsWith(`${service}|`)) n += value;
    return n;
  }

  toPrometheus(): string {
    const lines = ['# HELP jiguang_upstream_requests_total Calls made to Jiguang services.', '# TYPE jiguang_upstream_requests_total counter'];
    for (const [key, value] of this.counts) {
      const [service, outcome] = key.split('|');
      lines.push(`jiguang_upstream_requests_total{service="${service}",outcome="${outcome}"} ${value}`);
    }
    lines.push('# HELP jiguang_upstream_request_duration_seconds Latency of calls to Jiguang services.', '# TYPE jiguang_upstream_request_duration_seconds histogram');
    for (const [service, d] of this.durations) {
      BUCKETS.forEach((le, i) => lines.push(`jiguang_upstream_request_duration_seconds_bucket{service="${service}",le="${le}"} ${d.buckets[i]}`));
      lines.push(`jiguang_upstream_request_duration_seconds_bucket{service="${service}",le="+Inf"} ${d.count}`);
      lines.push(`jiguang_upstream_request_duration_seconds_sum{service="${service}"} ${d.sum}`);
      lines.push(`jiguang_upstream_request_duration_seconds_count{service="${service}"} ${d.count}`);
    }
    return lines.join('\n') + '\n';
  }
}
