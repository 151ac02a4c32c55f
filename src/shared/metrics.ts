// The shared state's metrics, on the gateway's prom-client registry: Redis health and its
// transitions, live replicas, operations answered locally because Redis failed, coalescing roles,
// how long cache invalidations take to reach every replica.
// A metric already registered (a second link in the same process, as in tests) is reused.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CoalesceRole } from './coalescer.js';
import type { RedisHealth } from './link.js';

export interface SharedMetrics {
  /** A transition (counted) to `health`. */
  health(health: RedisHealth): void;
  /** The current health, not counted as a transition (metrics attached late). */
  current(health: RedisHealth): void;
  replicas(count: number): void;
  fallback(part: 'cache' | 'quota'): void;
  coalesced(role: CoalesceRole): void;
  /** A cache invalidation sent: seconds until every replica applied it (or the wait ended), and whether they all did. */
  invalidated(seconds: number, complete: boolean): void;
}

export const NO_METRICS: SharedMetrics = { health: () => {}, current: () => {}, replicas: () => {}, fallback: () => {}, coalesced: () => {}, invalidated: () => {} };

export function sharedMetrics(registry: Registry): SharedMetrics {
  const up = reuse(
    registry,
    'gateway_redis_up',
    () =>
      new Gauge({ name: 'gateway_redis_up', help: 'Whether the shared traffic state on Redis is in use (1) or this replica runs on its own state (0).', registers: [registry] }),
  );
  const transitions = reuse(
    registry,
    'gateway_redis_transitions_total',
    () =>
      new Counter({
        name: 'gateway_redis_transitions_total',
        help: 'Switches between shared (ok) and per-replica (degraded) traffic state.',
        labelNames: ['to'] as const,
        registers: [registry],
      }),
  );
  const live = reuse(
    registry,
    'gateway_replicas_live',
    () => new Gauge({ name: 'gateway_replicas_live', help: 'Live gateway replicas sharing the Redis, as last seen by this one.', registers: [registry] }),
  );
  const fallbacks = reuse(
    registry,
    'gateway_redis_fallbacks_total',
    () =>
      new Counter({
        name: 'gateway_redis_fallbacks_total',
        help: 'Operations answered from per-replica state because a Redis command failed.',
        labelNames: ['part'] as const,
        registers: [registry],
      }),
  );
  const coalescing = reuse(
    registry,
    'gateway_coalesce_runs_total',
    () =>
      new Counter({
        name: 'gateway_coalesce_runs_total',
        help: 'Cross-replica coalescing: leader (made the call), follower (used its answer), alone (Redis down).',
        labelNames: ['role'] as const,
        registers: [registry],
      }),
  );
  const invalidations = reuse(
    registry,
    'gateway_cache_invalidation_seconds',
    () =>
      new Histogram({
        name: 'gateway_cache_invalidation_seconds',
        help: 'Cache invalidations sent by this replica: time until every replica listening applied it (complete="false": the wait ended first).',
        labelNames: ['complete'] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [registry],
      }),
  );
  up.set(0);
  return {
    health: (health) => {
      up.set(health === 'ok' ? 1 : 0);
      transitions.inc({ to: health });
    },
    current: (health) => up.set(health === 'ok' ? 1 : 0),
    replicas: (count) => live.set(count),
    fallback: (part) => fallbacks.inc({ part }),
    coalesced: (role) => coalescing.inc({ role }),
    invalidated: (seconds, complete) => invalidations.observe({ complete: String(complete) }, seconds),
  };
}

function reuse<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}
