// Cache invalidations between replicas (pub/sub): a replica that drops entries tells the others, so
// their in-process copies drop the same ones. A replica ignores its own messages.
import type { Logger } from '../../core/logger.js';
import type { RedisLink } from '../link.js';

export type Invalidation = { keys: string[] } | { prefix: string };

interface Message {
  from: string;
  keys?: unknown;
  prefix?: unknown;
}

export class InvalidationBus {
  constructor(
    private readonly link: RedisLink,
    private readonly channel: string,
    private readonly replicaId: string,
    private readonly logger: Logger,
  ) {}

  /** Delivers the other replicas' invalidations to `apply`. */
  listen(apply: (invalidation: Invalidation) => void): void {
    this.link.subscribe(this.channel, (raw) => {
      const invalidation = this.parse(raw);
      if (invalidation) apply(invalidation);
    });
  }

  /** Throws when Redis cannot be used (the caller keeps the invalidation for later). */
  async publish(invalidation: Invalidation): Promise<void> {
    const message = JSON.stringify({ from: this.replicaId, ...invalidation });
    await this.link.run((c) => c.publish(this.channel, message));
  }

  private parse(raw: string): Invalidation | undefined {
    try {
      const message = JSON.parse(raw) as Message;
      if (message.from === this.replicaId) return undefined;
      if (typeof message.prefix === 'string') return { prefix: message.prefix };
      if (Array.isArray(message.keys) && message.keys.every((k) => typeof k === 'string')) return { keys: message.keys as string[] };
    } catch {
      // fall through
    }
    this.logger.warn('ignored a malformed cache invalidation message', { channel: this.channel });
    return undefined;
  }
}
