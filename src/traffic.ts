// Builds the upstream pipeline and the state it keeps between requests: the cache, the quota
// buckets and the per-token fairness limits — in this process by default (the embedded defaults of
// `npm start`), or shared through Redis by several replicas (src/shared/).
import type { GatewayConfig } from './config/index.js';
import type { Logger } from './core/logger.js';
import type { ServiceName } from './core/services.js';
import { MemoryCacheStore } from './http/cache/memory.js';
import type { CacheStore } from './http/cache/store.js';
import { CredentialSource } from './http/credentials.js';
import { Fairness, type FairnessLimiters, memoryLimiters } from './http/fairness.js';
import { MemoryQuotaBackend, type QuotaBackend, QuotaScheduler } from './http/quota.js';
import { Transport } from './http/transport.js';
import { type Coalescer, Upstream } from './http/upstream.js';
import type { Metrics } from './observability/metrics.js';
import type { AppRegistry } from './registry/index.js';

/** Where the traffic state lives; the defaults keep it in this process. */
export interface TrafficState {
  cache?: CacheStore;
  quota?: QuotaBackend;
  fairness?: FairnessLimiters;
  coalescer?: Coalescer;
  /** Registers the state's own metrics (Redis health, replicas) on the gateway's registry. */
  instrument?(metrics: Metrics): void;
}

export function createUpstream(config: GatewayConfig, registry: AppRegistry, metrics: Metrics, logger: Logger, state: TrafficState = {}): Upstream {
  state.instrument?.(metrics);
  const quota = new QuotaScheduler(config.quota, state.quota ?? new MemoryQuotaBackend(), {
    waited: (bucket, ms) => {
      metrics.quotaWaits.inc({ bucket });
      metrics.quotaWaitSeconds.observe({ bucket }, ms / 1000);
    },
    refused: (bucket, reason) => metrics.quotaRefusals.inc({ bucket, reason }),
    paused: (bucket) => metrics.quotaPauses.inc({ bucket }),
  });
  metrics.quotaLevels = () => quota.levels();
  const baseUrls: Record<ServiceName, string> = {
    jmlink: config.upstreams.jmlink,
    portrait: config.upstreams.portrait,
    'push-admin': config.upstreams.pushAdmin,
    'verification-admin': config.upstreams.verificationAdmin,
    growth: config.upstreams.growth,
  };
  return new Upstream({
    baseUrls,
    timeoutMs: config.upstreamTimeoutMs,
    transport: new Transport(),
    credentials: new CredentialSource(registry, config.devCredentials, config.growthCredentials),
    cache: state.cache ?? new MemoryCacheStore(config.cache.maxBytes),
    cacheSettings: config.cache,
    quota,
    fairness: new Fairness(state.fairness ?? memoryLimiters(config.fairness)),
    metrics,
    logger,
    coalescer: state.coalescer,
  });
}
