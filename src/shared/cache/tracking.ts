// Redis's server-assisted client-side caching (RESP3 `CLIENT TRACKING`), through node-redis's
// `clientSideCache` option. node-redis's own cache (BasicClientSideCache) keeps raw replies per
// command — an MGET's whole key list is one entry — so each hit would still be copied and parsed,
// it is bounded by a count of entries rather than bytes, and it is cleared when the connection
// drops, when the gateway needs its copy most. So the provider here caches nothing itself: it turns
// tracking on in the connection's handshake (every reconnection included) and hands each
// invalidation to the near cache (./near.ts), which keeps decoded entries.
//
// Broadcast mode on the cache keys' prefix: Redis reports every change of a cache entry (written,
// overwritten, deleted, expired, evicted, flushed), by any client, whether or not this replica read
// it, so a replica may keep what it wrote itself; NOLOOP leaves out its own writes. The messages
// travel on the connection the commands use, after the replies to commands Redis ran before the
// change — what makes a fill's ticket (./near.ts) enough to never keep a value older than one.
import { BasicClientSideCache } from 'redis';

type Handle = BasicClientSideCache['handleCache'];

export class TrackingFeed extends BasicClientSideCache {
  private listener: (key: string | null) => void = () => {};

  /** @param prefix the Redis key prefix of every cache entry (`<keyPrefix>c:`). */
  constructor(private readonly prefix: string) {
    super({ maxEntries: 1, recordStats: false });
  }

  /** `key`: a Redis key that changed (`<prefix>…`); null: everything (a FLUSHALL, for instance). */
  onInvalidate(listener: (key: string | null) => void): void {
    this.listener = listener;
  }

  override trackingOn(): string[] {
    return ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', this.prefix, 'NOLOOP'];
  }

  /** Caches nothing: the reply goes to the caller as without client-side caching. */
  override async handleCache(...[, parser, fn, transformReply, typeMapping]: Parameters<Handle>): ReturnType<Handle> {
    const reply = await fn();
    return transformReply ? transformReply(reply, parser.preserve, typeMapping) : reply;
  }

  override invalidate(key: Parameters<BasicClientSideCache['invalidate']>[0]): void {
    this.listener(key === null ? null : key.toString());
  }

  // Nothing is held here; the near cache decides what a lost connection means (src/shared/cache/shared.ts).
  override onError(): void {}
  override onClose(): void {}
}
