// The traffic state several gateway replicas share through Redis — cache, quota buckets, per-token
// fairness, cross-replica coalescing — and the way each replica keeps working on its own state while
// Redis is down. `connectShared` owns the connections; its parts plug into createUpstream's
// TrafficState (src/traffic.ts).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DEFAULT_CACHE_SETTINGS, DEFAULT_FAIRNESS, type FairnessSettings } from '../config/index.js';
import type { Logger } from '../core/logger.js';
import type { FairnessLimiters } from '../http/fairness.js';
import type { QuotaBackend } from '../http/quota.js';
import type { Coalescer } from '../http/upstream.js';
import type { Metrics } from '../observability/metrics.js';
import { InvalidationBus } from './cache/invalidations.js';
import { RedisCacheStore } from './cache/redis.js';
import { SharedCacheStore } from './cache/shared.js';
import { TrackingFeed } from './cache/tracking.js';
import { LeaseCoalescer } from './coalescer.js';
import { sharedLimiters } from './fairness.js';
import { sharedKeys } from './keys.js';
import { RedisLink } from './link.js';
import { NO_METRICS, type SharedMetrics, sharedMetrics } from './metrics.js';
import { RedisQuotaBackend } from './quota/redis.js';
import { SharedQuotaBackend } from './quota/shared.js';
import type { SharedStatus } from './readiness.js';
import { Replicas } from './replicas.js';

export { redisReadiness, type SharedStatus } from './readiness.js';

export interface SharedOptions {
  /** redis:// or rediss:// URL (credentials included; never logged). */
  url: string;
  /** Prefix of every key and channel (default `jg:`); one per deployment sharing a Redis. */
  keyPrefix?: string;
  logger: Logger;
  /** Where the shared state's metrics go; or later, with `instrument`. */
  metrics?: Metrics;
  /** This replica's id in the live set (default host:pid:random). */
  replicaId?: string;
  /** Per-token limits (default: the configuration's defaults, src/config/settings.ts DEFAULT_FAIRNESS). */
  fairness?: FairnessSettings;
  /** Bound of the near cache, the in-process copy of the cache (default: the in-process cache's 64 MiB). */
  localCacheMaxBytes?: number;
  /** Longest a cache invalidation waits for every replica to apply it (default 250). */
  invalidationWaitMs?: number;
  /** Longest a Redis command may take before Redis is taken as down (default 300). */
  commandTimeoutMs?: number;
  /** Default 1000. */
  connectTimeoutMs?: number;
  /** Longest pause between reconnection attempts (default 2000). */
  reconnectMaxMs?: number;
  /** How long connectShared waits for Redis before returning degraded (default 1000). */
  startupWaitMs?: number;
  /** Heartbeat (and recovery probe) period; a replica silent for 3 of them is no longer counted (default 2000). */
  heartbeatMs?: number;
  /** Replicas assumed before Redis has ever answered, and a floor after (default 1): the fleet size if replicas may start while Redis is down. */
  minReplicas?: number;
}

export interface SharedState {
  readonly replicaId: string;
  /** A CacheStore with a near cache and epochs; also tells the size of its near cache. */
  readonly cache: SharedCacheStore;
  readonly quota: QuotaBackend;
  readonly fairness: FairnessLimiters;
  readonly coalescer: Coalescer;
  /** For readiness (/ready) and logs. */
  status(): SharedStatus;
  /** Registers the metrics on a registry created after connecting (startGateway makes its own). */
  instrument(metrics: Metrics): void;
  close(): Promise<void>;
}

/** Connects (waiting at most `startupWaitMs`) and returns the shared state; never fails because Redis is unreachable. */
export async function connectShared(options: SharedOptions): Promise<SharedState> {
  const logger = options.logger.child({ component: 'shared-state' });
  const replicaId = options.replicaId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const commandTimeoutMs = options.commandTimeoutMs ?? 300;
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  const reconnectMaxMs = options.reconnectMaxMs ?? 2_000;
  const keys = sharedKeys(options.keyPrefix ?? 'jg:');
  let metrics: SharedMetrics = options.metrics ? sharedMetrics(options.metrics.registry) : NO_METRICS;

  const tracking = new TrackingFeed(keys.cachePrefix);
  const link = new RedisLink({
    url: options.url,
    tracking,
    logger,
    commandTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? 1_000,
    reconnectMaxMs,
    probeMs: heartbeatMs,
  });
  const replicas = new Replicas(link, keys.replicas, replicaId, 3 * heartbeatMs, options.minReplicas ?? 1);
  link.setProbe(() => replicas.beat());

  // Recovery hooks run in construction order: quota slots first, then cache invalidations.
  const quota = new SharedQuotaBackend({
    link,
    redis: new RedisQuotaBackend(link, keys, replicaId),
    replicas: () => replicas.count,
    replicaId,
    // The others' return after Redis's: a reconnection attempt (at most reconnectMaxMs apart) and
    // up to three heartbeats (a recovery probe runs at each).
    settleMs: reconnectMaxMs + 3 * heartbeatMs,
    logger,
    onFallback: () => metrics.fallback('quota'),
  });
  const bus = new InvalidationBus(link, keys, replicaId, logger, options.invalidationWaitMs ?? 250);
  const cache = new SharedCacheStore(link, new RedisCacheStore(link, keys), bus, keys, tracking, options.localCacheMaxBytes ?? DEFAULT_CACHE_SETTINGS.maxBytes, logger, {
    fallback: () => metrics.fallback('cache'),
    invalidated: (seconds, complete) => metrics.invalidated(seconds, complete),
  });
  const fairness = sharedLimiters(link, keys, options.fairness ?? DEFAULT_FAIRNESS, replicas.count, commandTimeoutMs);
  const coalescer = new LeaseCoalescer(link, keys, replicaId, (role) => metrics.coalesced(role));

  link.onHealth((health) => metrics.health(health));
  replicas.onCount((count) => {
    fairness.resize(count);
    metrics.replicas(count);
  });

  await link.start(options.startupWaitMs ?? 1_000);

  return {
    replicaId,
    cache,
    quota,
    fairness: fairness.limiters,
    coalescer,
    status: () => ({ ...link.status(), replicas: replicas.count }),
    instrument(target) {
      metrics = sharedMetrics(target.registry);
      metrics.current(link.status().redis);
      metrics.replicas(replicas.count);
    },
    async close() {
      await fairness.close();
      await replicas.leave();
      await link.close();
      await cache.close();
    },
  };
}
