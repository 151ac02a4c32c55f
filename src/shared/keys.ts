// Where each part of the shared traffic state lives in Redis, under one prefix per deployment (so
// several gateways, or test files, can share a Redis without seeing each other's keys).

export interface SharedKeys {
  readonly prefix: string;
  /** A cache entry: `<prefix>c:<cache key>`. */
  cache(key: string): string;
  /** What every cache entry's Redis key starts with (`<prefix>c:`): the near cache's tracking prefix. */
  readonly cachePrefix: string;
  /** The version (epoch) of every entry whose cache key starts with `keyPrefix` (`''`: of every entry). */
  prefixEpoch(keyPrefix: string): string;
  /** The version (epoch) of one cache key. */
  keyEpoch(key: string): string;
  /** The SCAN pattern of every cache entry whose key starts with `keyPrefix`. */
  cachePattern(keyPrefix: string): string;
  /** The sorted set of a quota bucket's slots. */
  quotaSlots(bucketKey: string): string;
  /** A quota bucket's pause (a key with PX). */
  quotaPause(bucketKey: string): string;
  /** The lease of a coalesced upstream call. */
  lease(key: string): string;
  /** The sorted set of live replicas (member: replica id, score: last heartbeat). */
  readonly replicas: string;
  /** The rate-limiter-flexible key prefix of a fairness limiter. */
  fairness(name: string): string;
  /** Pub/sub: cache invalidations. */
  readonly invalidationChannel: string;
  /** Pub/sub: a replica's invalidations, acknowledged by each replica that applied them. */
  appliedChannel(replicaId: string): string;
  /** Pub/sub: leases released (a coalesced call finished). */
  readonly leaseChannel: string;
}

export function sharedKeys(prefix: string): SharedKeys {
  return {
    prefix,
    cache: (key) => `${prefix}c:${key}`,
    cachePrefix: `${prefix}c:`,
    prefixEpoch: (keyPrefix) => `${prefix}ep:${keyPrefix}`,
    keyEpoch: (key) => `${prefix}ek:${key}`,
    cachePattern: (keyPrefix) => `${escapeGlob(`${prefix}c:${keyPrefix}`)}*`,
    quotaSlots: (bucketKey) => `${prefix}q:${bucketKey}`,
    quotaPause: (bucketKey) => `${prefix}qp:${bucketKey}`,
    lease: (key) => `${prefix}l:${key}`,
    replicas: `${prefix}replicas`,
    fairness: (name) => `${prefix}f:${name}`,
    invalidationChannel: `${prefix}invalidate`,
    appliedChannel: (replicaId) => `${prefix}invalidated:${replicaId}`,
    leaseChannel: `${prefix}lease`,
  };
}

/** Escapes the glob characters of SCAN MATCH, so an app key holding `*` or `[` matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
