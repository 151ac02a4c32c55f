// Cache invalidations between replicas (pub/sub): a replica that drops entries tells the others, so
// their near caches drop the same ones — including entries Redis never held (a value JSON cannot
// hold) or a prefix at once rather than key by key. Each replica acknowledges what it applied on the
// sender's own channel, and the sender waits for as many acknowledgements as PUBLISH reached
// subscribers (or `waitMs`): when an invalidating mutation returns, no replica that is listening
// serves the old entries any more.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.js';
import type { SharedKeys } from '../keys.js';
import type { RedisLink } from '../link.js';

export type Invalidation = { keys: string[] } | { prefix: string };

interface Message {
  from: string;
  id?: unknown;
  keys?: unknown;
  prefix?: unknown;
}

interface Waiting {
  acks: number;
  needed: number;
  done: (complete: boolean) => void;
}

export class InvalidationBus {
  private readonly channel: string;
  private readonly waiting = new Map<string, Waiting>();
  private sent = 0;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: SharedKeys,
    private readonly replicaId: string,
    private readonly logger: Logger,
    /** Longest an invalidation waits for the replicas' acknowledgements. */
    private readonly waitMs: number,
  ) {
    this.channel = keys.invalidationChannel;
    link.subscribe(keys.appliedChannel(replicaId), (id) => this.acknowledged(id));
  }

  /** Delivers the other replicas' invalidations to `apply` (synchronous: acknowledged once it returns). */
  listen(apply: (invalidation: Invalidation) => void): void {
    this.link.subscribe(this.channel, (raw) => {
      const message = this.parse(raw);
      if (!message) return;
      if (message.from === this.replicaId) {
        // This replica applied it before sending; its own subscriber counts among PUBLISH's receivers.
        this.acknowledged(message.id);
        return;
      }
      apply(message.invalidation);
      if (message.id !== '') void this.link.run((c) => c.publish(this.keys.appliedChannel(message.from), message.id)).catch(() => {});
    });
  }

  /**
   * Sends an invalidation; with `wait`, resolves once every replica listening applied it (true) or
   * after `waitMs` (false). Throws when Redis cannot be used (the caller keeps the invalidation).
   */
  async publish(invalidation: Invalidation, wait = true): Promise<boolean> {
    const id = wait ? `${++this.sent}:${randomUUID().slice(0, 8)}` : '';
    const message = JSON.stringify({ from: this.replicaId, id, ...invalidation });
    if (!wait) {
      await this.link.run((c) => c.publish(this.channel, message));
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const applied = new Promise<boolean>((resolve) => {
      this.waiting.set(id, { acks: 0, needed: Number.POSITIVE_INFINITY, done: resolve });
      timer = setTimeout(() => resolve(false), this.waitMs);
    });
    try {
      const receivers = await this.link.run((c) => c.publish(this.channel, message));
      const waiting = this.waiting.get(id)!;
      waiting.needed = receivers;
      if (waiting.acks >= receivers) waiting.done(true);
      const complete = await applied;
      if (!complete) this.logger.debug('a cache invalidation was not acknowledged by every replica in time', { waitedMs: this.waitMs, receivers, acks: waiting.acks });
      return complete;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }

  private acknowledged(id: string): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    waiting.acks++;
    if (waiting.acks >= waiting.needed) waiting.done(true);
  }

  private parse(raw: string): { from: string; id: string; invalidation: Invalidation } | undefined {
    try {
      const message = JSON.parse(raw) as Message;
      const id = typeof message.id === 'string' ? message.id : '';
      if (typeof message.from === 'string') {
        if (typeof message.prefix === 'string') return { from: message.from, id, invalidation: { prefix: message.prefix } };
        if (Array.isArray(message.keys) && message.keys.every((k) => typeof k === 'string')) return { from: message.from, id, invalidation: { keys: message.keys as string[] } };
      }
    } catch {
      // fall through
    }
    this.logger.warn('ignored a malformed cache invalidation message', { channel: this.channel });
    return undefined;
  }
}
