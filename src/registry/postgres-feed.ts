// The change feed of a PostgreSQL registry: one connection of its own (not from the pool) that LISTENs
// on the schema's channel and hands every notice on. When it drops (server restart, network, an
// operator's pg_terminate_backend) it reconnects with backoff, and says so: notices sent meanwhile are
// lost, so the registry reloads. The periodic check may run on it, which proves the connection alive:
// a check that fails or does not answer in time drops it and reconnects.
import { escapeIdentifier, type QueryResultRow } from 'pg';
import type { CountingClient } from './postgres-client.js';

export interface FeedOptions {
  /** A new connection, configured but not connected. */
  connect: () => CountingClient;
  channel: string;
  onNotice: (payload: string) => void;
  /** Connected again after a drop: notices may have been missed. */
  onReconnected: () => void;
  /** The connection dropped (or a reconnection failed); the next attempt comes in `retryInMs`. */
  onLost: (error: unknown, retryInMs: number) => void;
  /** First delay before reconnecting, doubled after each failure up to maxDelayMs. */
  minDelayMs: number;
  maxDelayMs: number;
}

export class ChangeFeed {
  readonly #options: FeedOptions;
  #client: CountingClient | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  constructor(options: FeedOptions) {
    this.#options = options;
  }

  /** True while the connection is up and listening. */
  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** The first connection; throws if it cannot be made (opening the registry fails). */
  async start(): Promise<void> {
    this.#client = await this.#connect();
  }

  /**
   * A query on the feed's connection, labelled "check"; undefined when not connected. A failure, or
   * no answer within `timeoutMs` (a connection silently gone), drops the connection and reconnects.
   */
  async query<R extends QueryResultRow>(text: string, timeoutMs: number): Promise<R[] | undefined> {
    const client = this.#client;
    if (!client) return undefined;
    client.purpose = 'check';
    const answer = client.query<R>(text);
    client.purpose = 'listen';
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the change feed's connection did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return (await Promise.race([answer, late])).rows;
    } catch (error) {
      answer.catch(() => {});
      this.#lost(client, error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<CountingClient> {
    const client = this.#options.connect();
    client.purpose = 'listen';
    // Errors after the connection is up end it; the 'end' event handles those (see #lost).
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('the connection ended')));
    client.on('notification', (n) => {
      if (client === this.#client && n.channel === this.#options.channel && n.payload !== undefined) this.#options.onNotice(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${escapeIdentifier(this.#options.channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      throw new Error('the registry is closed');
    }
    return client;
  }

  /** The listening connection failed: drop it and reconnect (a connection not yet adopted is the connect's caller's). */
  #lost(client: CountingClient, error: unknown): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    client.end().catch(() => {});
    if (!this.#closed) this.#retry(error);
  }

  #retry(error: unknown): void {
    const { minDelayMs, maxDelayMs } = this.#options;
    // Exponential, with jitter so replicas that lost the server together do not return together.
    const delay = Math.round(Math.min(maxDelayMs, minDelayMs * 2 ** this.#failures) * (0.75 + Math.random() / 4));
    this.#failures++;
    this.#options.onLost(error, delay);
    this.#timer = setTimeout(() => {
      this.#connect().then(
        (client) => {
          if (this.#closed) return void client.end().catch(() => {});
          this.#client = client;
          this.#failures = 0;
          this.#options.onReconnected();
        },
        (failure: unknown) => {
          if (!this.#closed) this.#retry(failure);
        },
      );
    }, delay);
    this.#timer.unref();
  }
}
