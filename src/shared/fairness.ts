// Per-token fairness limits shared by the replicas: rate-limiter-flexible's RateLimiterRedis, each
// behind a timeout wrapper whose insurance is an in-memory limiter sized to this replica's share.
// The Redis limiter is asked only while the link is up (otherwise it fails at once), a Redis call that
// fails or takes longer than the command timeout is answered by the insurance, so a Redis outage
// never fails or stalls a request.
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import type { FairnessSettings } from '../config/index.js';
import { type FairnessLimiters, REQUEST_WINDOW_SECONDS, UPSTREAM_WINDOW_SECONDS } from '../http/fairness.js';
import type { SharedKeys } from './keys.js';
import type { RedisClient, RedisLink } from './link.js';
import { shareOf } from './replicas.js';

/** The part of a node-redis client RateLimiterRedis uses, with readiness following the link's health. */
interface LimiterStoreClient {
  readonly isReady: boolean;
  eval: RedisClient['eval'];
  multi: RedisClient['multi'];
  del: RedisClient['del'];
}

export interface SharedFairness {
  limiters: FairnessLimiters;
  /** Resizes the insurance limiters to this replica's share. */
  resize(replicas: number): void;
}

export function sharedLimiters(link: RedisLink, keys: SharedKeys, settings: FairnessSettings, replicas: number, timeoutMs: number): SharedFairness {
  const { client } = link;
  const store: LimiterStoreClient = {
    // RateLimiterRedis (rejectIfRedisNotReady) goes straight to the insurance when this is false.
    get isReady() {
      return link.up && client.isReady;
    },
    eval: client.eval.bind(client),
    multi: client.multi.bind(client),
    del: client.del.bind(client),
  };
  const insurances: [RateLimiterMemory, number][] = [];
  const limiter = (name: string, points: number, duration: number) => {
    const insurance = new RateLimiterMemory({ keyPrefix: name, points: shareOf(points, replicas), duration });
    insurances.push([insurance, points]);
    const redis = new RateLimiterRedis({ storeClient: store, useRedisPackage: true, rejectIfRedisNotReady: true, keyPrefix: keys.fairness(name), points, duration });
    return new RLWrapperTimeouts({ limiter: redis, timeoutMs, insuranceLimiter: insurance });
  };
  return {
    limiters: {
      requests: limiter('req', settings.requestsPerSecond, REQUEST_WINDOW_SECONDS),
      upstreamCalls: limiter('up', settings.upstreamCallsPerMinute, UPSTREAM_WINDOW_SECONDS),
      settings,
    },
    resize(count) {
      for (const [insurance, points] of insurances) insurance.points = shareOf(points, count);
    },
  };
}
