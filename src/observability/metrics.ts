// Prometheus metrics on prom-client, one registry per gateway instance (tests run several in one
// process). Labels are bounded: services, endpoints, buckets, routes and outcome classes; operation
// names only as far as OPERATION_NAMES_MAX distinct ones, the rest counted as "other".
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const OPERATION_NAMES_MAX = 200;
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();

  readonly httpRequests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests answered, by route and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route.',
    labelNames: ['route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly connectionsShed = new Counter({
    name: 'gateway_connections_shed_total',
    help: 'Client connections closed to make room at the connection cap (never_completed: no request yet; idle: kept alive between requests), closed by the first-request header deadline (first_headers_timeout), or refused at the cap because every one had a request in flight (refused).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly operations = new Counter({
    name: 'gateway_graphql_operations_total',
    help: 'GraphQL operations, by name, type and outcome (ok, partial, error).',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly executions = new Counter({
    name: 'gateway_graphql_executions_total',
    help: 'Operations executed, by engine: compiled (graphql-jit, compiled once per document) or interpreted (graphql-js, for a document graphql-jit could not compile).',
    labelNames: ['engine'] as const,
    registers: [this.registry],
  });
  readonly documentsNotCompiled = new Counter({
    name: 'gateway_graphql_documents_not_compiled_total',
    help: 'Documents graphql-jit could not compile, which run on graphql-js instead (once per document while it is kept).',
    registers: [this.registry],
  });
  readonly operationDuration = new Histogram({
    name: 'gateway_graphql_operation_duration_seconds',
    help: 'Time to execute a GraphQL operation.',
    labelNames: ['operation', 'type'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly upstreamCalls = new Counter({
    name: 'jiguang_upstream_requests_total',
    help: 'Calls to Jiguang, by service, endpoint and decoded outcome (ok, or the gateway error code; business errors answered with HTTP 200 count as errors).',
    labelNames: ['service', 'endpoint', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly upstreamDuration = new Histogram({
    name: 'jiguang_upstream_request_duration_seconds',
    help: 'Latency of calls to Jiguang.',
    labelNames: ['service', 'endpoint'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly cacheEvents = new Counter({
    name: 'gateway_cache_events_total',
    help: 'Cross-request cache: hit, miss, grace (stale served while refreshing), stale (served instead of an error), coalesced (joined a call in flight).',
    labelNames: ['endpoint', 'event'] as const,
    registers: [this.registry],
  });
  readonly quotaWaits = new Counter({
    name: 'gateway_quota_waits_total',
    help: 'Calls that waited for a quota slot.',
    labelNames: ['bucket'] as const,
    registers: [this.registry],
  });
  readonly quotaWaitSeconds = new Histogram({
    name: 'gateway_quota_wait_seconds',
    help: 'Time calls waited for a quota slot.',
    labelNames: ['bucket'] as const,
    buckets: [0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly quotaRefusals = new Counter({
    name: 'gateway_quota_refusals_total',
    help: 'Calls not sent because no quota slot came in time (quota) or Jiguang paused the bucket (paused).',
    labelNames: ['bucket', 'reason'] as const,
    registers: [this.registry],
  });
  readonly quotaPauses = new Counter({
    name: 'gateway_quota_pauses_total',
    help: "Buckets paused by Jiguang's own rate-limit signals.",
    labelNames: ['bucket'] as const,
    registers: [this.registry],
  });
  /** Set by the upstream pipeline: slots left per bucket, read at each scrape. */
  quotaLevels: () => { bucket: string; owner: string; left: number }[] = () => [];
  readonly quotaLevel: Gauge<'bucket' | 'owner'> = new Gauge({
    name: 'gateway_quota_slots_left',
    help: 'Slots left in the current window, per bucket and owner (app key or project).',
    labelNames: ['bucket', 'owner'] as const,
    registers: [this.registry],
    collect: () => {
      this.quotaLevel.reset();
      for (const { bucket, owner, left } of this.quotaLevels()) this.quotaLevel.set({ bucket, owner }, left);
    },
  });
  /** Set by main for the PostgreSQL registry: its round trips so far by purpose, read at each scrape. */
  registryQueries: () => Readonly<Record<string, number>> = () => ({});
  readonly registryQueryCount: Counter<'purpose'> = new Counter({
    name: 'gateway_registry_queries_total',
    help: 'Round trips to PostgreSQL made by the app registry, by purpose: write, refresh (re-reading rows a change notice named), reload, check (the periodic comparison), lookup (an app key not held in memory), ping (readiness), listen, open. Reads of apps, secrets and records are answered from memory.',
    labelNames: ['purpose'] as const,
    registers: [this.registry],
    collect: () => {
      this.registryQueryCount.reset();
      for (const [purpose, n] of Object.entries(this.registryQueries())) this.registryQueryCount.inc({ purpose }, n);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** An operation name fit for a label. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= OPERATION_NAMES_MAX || !/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(name)) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** Upstream calls counted so far (tests and the access log's totals). */
  async upstreamTotal(service?: string): Promise<number> {
    const { values } = await this.upstreamCalls.get();
    return values.filter((v) => !service || v.labels.service === service).reduce((sum, v) => sum + v.value, 0);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
