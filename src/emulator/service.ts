// The contract between the HTTP server and one emulated service's route handler: each Jiguang service
// (JMLink, JPortrait, later JPush Admin, JVerification Admin, Operation Growth) is one file implementing it.
import type { AppStore } from './data.js';
import type { FixedWindowLimiter } from './rateLimit.js';
import type { Reply } from './respond.js';
import type { ServiceName } from './types.js';

export interface ServiceRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  rawBody: string;
}

export interface ServiceContext {
  seed: number;
  store: AppStore;
  limiter: FixedWindowLimiter;
  now: () => number;
  rateLimits: { jmlinkLinksPerMinute: number; jmlinkStatsPerMinute: number };
  /** A fresh 12-digit request id, unique within this emulator. */
  nextRequestId(): string;
}

export interface ServiceHandler {
  name: ServiceName;
  /** Whether a path (without query) belongs to this service. */
  owns(path: string): boolean;
  handle(req: ServiceRequest, ctx: ServiceContext): Reply;
  /** The answer for an injected 'business' fault with this code (status overrides the documented one). */
  businessFault(code: number | string, status: number | undefined, ctx: ServiceContext): Reply;
  /** The body of an injected 'malformed' fault: looks like this service's JSON but does not parse. */
  malformedBody: string;
}
