// Public types of the emulator, kept apart so the service handlers and shared modules can import them
// without importing the server (index.ts re-exports them unchanged).

export interface EmulatorApp {
  appKey: string;
  masterSecret: string;
  name: string;
  androidPackage: string;
  groupName: string | null;
}

export interface AddAppOptions {
  /**
   * The appKey of an existing app: the new app's links get exactly its link_keys, in the same order (their
   * names, ids, dates and statistics still derive from the new app key). For gateway isolation tests.
   */
  linkKeysFrom?: string;
}

export interface EmulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  /** Added to every answered call (injected faults too, after their delayMs); never to /__emulator/ endpoints. */
  latencyMs?: number;
  now?: () => number;
  rateLimits?: { jmlinkLinksPerMinute?: number; jmlinkStatsPerMinute?: number; growthPerSecond?: number };
  /** How long a JVerification Admin review stays pending before its result is posted (default 2000). */
  verificationReviewDelayMs?: number;
}

export type ServiceName = 'jmlink' | 'portrait' | 'push-admin' | 'verification-admin' | 'growth';

export const SERVICE_NAMES: readonly ServiceName[] = ['jmlink', 'portrait', 'push-admin', 'verification-admin', 'growth'];

/** A developer account (JPush Admin and JVerification Admin credentials). */
export interface EmulatorDeveloper {
  devKey: string;
  devSecret: string;
}

/** An Operation Growth project (its Basic auth credentials). */
export interface EmulatorGrowthProject {
  projectId: string;
  projectSecret: string;
}

/** One iOS certificate accepted by JPush Admin's certificate upload. */
export interface EmulatorCertificate {
  environment: 'development' | 'production';
  sha256: string;
  size: number;
}

/** One attempt to deliver a JVerification review result; status null = no HTTP answer. */
export interface EmulatorCallback {
  url: string;
  body: { app_key: string; platform: string; code: number };
  status: number | null;
}

/** An Operation Growth CUID (a Java long) exactly: a number up to 2^53, a bigint beyond. */
export type Cuid = number | bigint;

/** A CUID as a test names it: a safe integer, a bigint or a decimal string. */
export type CuidLike = number | bigint | string;

/**
 * What Operation Growth stored, for assertions. Values are read exactly: a CUID (or any integer) beyond
 * 2^53 is a bigint. Naming a CUID by a number that is not a safe integer throws (it may be rounded).
 */
export interface EmulatorGrowthView {
  attributes(cuid: CuidLike): Record<string, unknown>;
  events(): unknown[];
  channels(cuid: CuidLike): unknown[];
}

export interface RecordedCall {
  /** When the request arrived, epoch ms by the emulator's clock (`now`). */
  at: number;
  service: ServiceName;
  method: string;
  path: string;
  query: Record<string, string>;
  appKey: string | null;
  status: number;
  headers: Record<string, string>;
  /** The request body as JSON (integers beyond 2^53 as bigint), the raw text if not JSON, null if empty. */
  body: unknown;
}

/** Which recorded calls to count; every given field must match. */
export interface CallFilter {
  service?: ServiceName;
  /** A regular expression tested against the path (without query). */
  pathPattern?: string;
  appKey?: string;
  method?: string;
  /** The HTTP status answered: one, any of several, or 'answered' for any answer (status 0 = none). */
  status?: number | readonly number[] | 'answered';
}

export interface Fault {
  service?: ServiceName;
  pathPattern?: string;
  times?: number;
  delayMs?: number;
  kind?: 'status' | 'business' | 'timeout' | 'reset' | 'malformed' | 'empty';
  status?: number;
  code?: number | string;
  /**
   * Only with kind 'business' or 'status': the answer carries X-Rate-Limit-Limit, X-Rate-Limit-Remaining: 0
   * and X-Rate-Limit-Reset: resetSeconds, as an answer of Jiguang's limiter does.
   */
  resetSeconds?: number;
  /** X-Rate-Limit-Limit of such an answer (default: the emulator's limit for that path, else 600). */
  limit?: number;
}

export interface Emulator {
  url: string;
  apps: EmulatorApp[];
  calls: RecordedCall[];
  countCalls(filter?: CallFilter): number;
  /**
   * The most calls matching `filter` that fall into one fixed window floor(at / windowMs): the proof that
   * a client stayed within a per-minute (60000) or per-second (1000) quota. 0 when none match.
   */
  maxPerWindow(filter: CallFilter, windowMs: number): number;
  resetCalls(): void;
  injectFault(fault: Fault): () => void;
  clearFaults(): void;
  /** Adds (or replaces) an app with its own links; throws if `linkKeysFrom` names no app. */
  addApp(app: EmulatorApp, options?: AddAppOptions): void;
  removeApp(appKey: string): void;
  /** The seeded developer account of JPush Admin and JVerification Admin. */
  developer: EmulatorDeveloper;
  /** Certificates uploaded through JPush Admin for an app, in upload order. */
  certificates(appKey: string): EmulatorCertificate[];
  /** Every JVerification review-result delivery attempt, in order (live array). */
  callbacks: EmulatorCallback[];
  /** The seeded Operation Growth project. */
  growthProject: EmulatorGrowthProject;
  growth: EmulatorGrowthView;
  /**
   * Takes Jiguang away: closes the listening socket and every connection (requests in flight included),
   * so calls fail with connection refused. State (apps, call log, faults, Growth data) is kept; timers
   * such as JVerification review callbacks keep running. Does nothing when stopped.
   */
  stop(): Promise<void>;
  /** Brings it back on the same port (rejects if that port was taken meanwhile, or after close()). */
  start(): Promise<void>;
  close(): Promise<void>;
}
