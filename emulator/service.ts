// The contract between the HTTP server and one emulated service's route handler: each Jiguang service
// (JMLink, JPortrait, JPush Admin, JVerification Admin, Operation Growth) is one file implementing it.
import type { AppStore } from './data.js';
import type { FixedWindowLimiter } from './rateLimit.js';
import type { Reply } from './respond.js';
import type { CertificateStore, GrowthStore, ReviewStore } from './stores.js';
import type { ServiceName } from './types.js';

export interface ServiceRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The body decoded as UTF-8. */
  rawBody: string;
  /** The body's bytes (multipart uploads carry binary files). */
  bodyBytes: Buffer;
}

export interface ServiceContext {
  seed: number;
  store: AppStore;
  limiter: FixedWindowLimiter;
  now: () => number;
  rateLimits: { jmlinkLinksPerMinute: number; jmlinkStatsPerMinute: number; growthPerSecond: number };
  /** A fresh 12-digit request id, unique within this emulator. */
  nextRequestId(): string;
  /** dev_key -> dev_secret of the developer accounts (JPush Admin, JVerification Admin). */
  developers: Map<string, string>;
  /** projectId -> projectSecret of the Operation Growth projects. */
  growthProjects: Map<string, string>;
  certificates: CertificateStore;
  reviews: ReviewStore;
  growth: GrowthStore;
  verificationReviewDelayMs: number;
  /** Runs fn after ms on a timer that close() cancels; does nothing once the emulator is closed. */
  later(ms: number, fn: () => void): void;
  /** Aborted by close(): for requests the emulator itself sends (JVerification callbacks). */
  signal: AbortSignal;
}

export interface ServiceHandler {
  name: ServiceName;
  /** Whether a path (without query) belongs to this service. */
  owns(path: string): boolean;
  handle(req: ServiceRequest, ctx: ServiceContext): Reply | Promise<Reply>;
  /** The answer for an injected 'business' fault with this code (status overrides the documented one). */
  businessFault(code: number | string, status: number | undefined, ctx: ServiceContext): Reply;
  /** The answer for an injected 'status' fault, when the service documents a body for that status. */
  statusFault?(status: number, ctx: ServiceContext): Reply | undefined;
  /** The per-window limit the emulator applies to this path, if any (X-Rate-Limit-Limit of faults). */
  quota?(path: string, ctx: ServiceContext): number | undefined;
  /** The body of an injected 'malformed' fault: looks like this service's JSON but does not parse. */
  malformedBody: string;
}
