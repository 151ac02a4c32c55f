// Redis in /ready: `degraded`, never `down`, while Redis is away — the replica still serves (cached
// data from its copy, quotas from its share), so taking every replica out of rotation because Redis
// died would turn a Redis outage into a gateway outage.
import type { ReadinessCheck } from '../core/readiness.js';
import type { RedisHealth } from './link.js';

export interface SharedStatus {
  redis: RedisHealth;
  /** When the state last changed (epoch ms). */
  since: number;
  /** Live replicas, this one included, as last seen. */
  replicas: number;
}

export function redisReadiness(shared: { status(): SharedStatus }): ReadinessCheck {
  return {
    name: 'redis',
    async check() {
      const { redis, since, replicas } = shared.status();
      if (redis === 'ok') return { status: 'ok', detail: `shared by ${replicas} replica${replicas === 1 ? '' : 's'}` };
      return {
        status: 'degraded',
        detail: `unreachable since ${new Date(since).toISOString()}: cache, quotas and fairness are per replica (at most 1/${replicas} of what each quota window has left)`,
      };
    },
  };
}
