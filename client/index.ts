// The gateway's typed client: the operations in client/operations/*.graphql, generated into typed
// documents, sent with the platform's `fetch`. Variables and results are fully typed, and a schema
// change that breaks an operation breaks the build. Tests call the gateway through it, so the types
// run too. It imports nothing of Node: the same file runs in Node (>= 18) and in browsers, where
// client/example/ shows it in a page (docs/typed-clients.md, "In a browser").

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type DocumentNode, print } from 'graphql';
import type { ErrorCode } from './generated/enums.js';

export type { ErrorCode, LinkPlatform, PortraitIdType } from './generated/enums.js';
export * from './generated/graphql.js';
/** Every schema type, documented as the schema is (for what the inline result types above leave undocumented). */
export type * as Schema from './generated/schema.js';

export interface GatewayError {
  message: string;
  path?: (string | number)[];
  extensions?: {
    code?: ErrorCode;
    /** Only on the error the client makes itself when an answer is not a GraphQL response (see `GatewayResult`). */
    notGraphQL?: NotGraphQLAnswer;
    [key: string]: unknown;
  };
}

/** What came back instead of a GraphQL response: a proxy's HTML error page, a plain-text 413, an empty body. */
export interface NotGraphQLAnswer {
  /** The answer's `Content-Type`, or null when it had none. */
  contentType: string | null;
  /** The start of the body (at most 500 characters). */
  body: string;
}

/**
 * `extensions.cost`, on every answer of a known token (README, "What an answer cost"): the calls to
 * Jiguang it could make and made, what came from the cache or joined a call in flight, its time in
 * quota waits, and the token's upstream budget after it.
 */
export interface Cost {
  /** The most calls the document could make, measured before execution; null when it was not measured. */
  estimatedUpstreamCalls: number | null;
  /** Calls this request sent to Jiguang. */
  upstreamCalls: number;
  /** Answers served from the gateway's cache, without a call. */
  cacheHits: number;
  /** Identical calls already in flight this request joined, without a call of its own. */
  coalesced: number;
  /** Milliseconds its calls waited for quota slots, summed over the calls. */
  quotaWaitMs: number;
  /** The token's upstream budget; null when there is none to tell. */
  budget: CostBudget | null;
}

export interface CostBudget {
  /** Points this request spent: 1 per call it started, 1 per whole second its calls waited for quota slots. */
  charged: number;
  /** Points left in the token's current window, as this request last saw them. */
  remaining: number;
  /** Points a window. */
  limit: number;
  /** The window's length (seconds). */
  windowSeconds: number;
  /** Seconds until the window's points come back whole; 0 when none are spent. */
  resetInSeconds: number;
}

/** A path answered from data kept past its freshness because Jiguang failed (`extensions.stale`). */
export interface StaleMark {
  path: (string | number)[];
  ageSeconds: number;
  /** When the data was fetched from Jiguang (ISO 8601). */
  asOf: string;
}

export interface GatewayExtensions {
  cost?: Cost;
  stale?: StaleMark[];
  [key: string]: unknown;
}

/**
 * One HTTP answer. A promise of the client resolves to one whenever an HTTP answer arrived, whatever
 * its status: GraphQL errors, 401, 429 and 5xx are all results, never exceptions. An answer that is
 * not a GraphQL response (a body that is not JSON, or JSON without `data` or `errors`, such as a
 * proxy's HTML 502 page) gives a result with its status, no `data`, and one error whose
 * `extensions.notGraphQL` holds the content type and the start of the body; its `extensions.code` is
 * unset, since the gateway never said anything. The promise rejects only when no answer arrived: a
 * network failure, a browser refusing the request under CORS (a `TypeError`), or the `signal` aborting
 * it (an `AbortError`).
 */
export interface GatewayResult<TData> {
  /** HTTP status of the answer. */
  status: number;
  /**
   * Response headers, names in lower case, repeated headers joined with ", ". In a browser across
   * origins only those the gateway exposes are there: `x-request-id`, `retry-after`, and the CORS-safelisted ones.
   */
  headers: Record<string, string>;
  data?: TData | null;
  errors?: GatewayError[];
  /** `cost` on every answer of a known token (a 401 has none), `stale` when some data is. */
  extensions?: GatewayExtensions;
}

/** What the client needs of a `fetch`: the global one, undici's, or a test's stand-in. */
export type FetchLike = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<FetchResponse>;

/** What the client reads of a response. */
export interface FetchResponse {
  status: number;
  headers: { forEach(callback: (value: string, name: string) => void): void };
  text(): Promise<string>;
}

export interface GatewayClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
  /**
   * `document` sends the whole document; `persisted` sends only its hash as `documentId` (GraphQL over
   * HTTP, persisted documents appendix), as a gateway in trusted-documents mode requires.
   */
  mode?: 'document' | 'persisted';
  /** Sent with every request (names are case-insensitive; later ones win). In a browser across origins, only headers the gateway's CORS allows. */
  headers?: Record<string, string>;
  /** The `fetch` to send with (default: the global `fetch` at call time), e.g. undici's with a keep-alive agent, or a test's. */
  fetch?: FetchLike;
  /** Aborts every request of this client, in flight or later. A client is cheap: make one per request to cancel one request. */
  signal?: AbortSignal;
}

export interface GatewayClient {
  /** Runs one of the generated operations: typed variables in, typed data out. */
  execute<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    ...variables: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<GatewayResult<TData>>;
  /**
   * Runs a document written by hand (exploration, tests of odd documents). Nothing checks the answer
   * against the document: `data` is `unknown` unless the caller states the shape it expects as `TData`.
   */
  executeText<TData = unknown>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GatewayResult<TData>>;
}

/** The sha256 hash codegen embedded in a generated document (`sha256:…`). */
export function documentId<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error('This document has no persisted-document hash; generate it with `npm run codegen`.');
  return hash;
}

/**
 * The text of a generated document, printed once. The client preset generates documents as syntax
 * trees without their source text, so sending a whole document needs graphql's `print` (a few kB in a
 * browser bundle; the `persisted` mode never calls it).
 */
const printed = new WeakMap<DocumentNode, string>();
function text(document: DocumentNode): string {
  let value = printed.get(document);
  if (value === undefined) printed.set(document, (value = print(document)));
  return value;
}

/** How much of a body that is not a GraphQL response a result keeps. */
const BODY_START = 500;

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const post = async <TData>(body: unknown, headers?: Record<string, string>): Promise<GatewayResult<TData>> => {
    const send: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json;q=0.9',
    };
    if (options.token) send.authorization = `Bearer ${options.token}`;
    for (const extra of [options.headers, headers]) for (const [name, value] of Object.entries(extra ?? {})) send[name.toLowerCase()] = value;
    // A plain call, never `options.fetch(…)`: a browser's fetch refuses any `this` but the window.
    const fetchImpl = options.fetch ?? fetch;
    const res = await fetchImpl(options.url, { method: 'POST', headers: send, body: JSON.stringify(body), ...(options.signal ? { signal: options.signal } : {}) });
    const received: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      received[name] = Object.hasOwn(received, name) ? `${received[name]}, ${value}` : value;
    });
    return { status: res.status, headers: received, ...graphQLBody<TData>(await res.text(), res.status, received['content-type'] ?? null) };
  };
  return {
    execute(document, ...[variables]) {
      return post(options.mode === 'persisted' ? { documentId: documentId(document), variables } : { query: text(document), variables });
    },
    executeText(query, variables, headers) {
      return post({ query, variables }, headers);
    },
  };
}

/** The GraphQL response in a body, or one error saying what came instead. */
function graphQLBody<TData>(body: string, status: number, contentType: string | null): Pick<GatewayResult<TData>, 'data' | 'errors' | 'extensions'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && ('data' in parsed || 'errors' in parsed)) {
    return parsed as Pick<GatewayResult<TData>, 'data' | 'errors' | 'extensions'>;
  }
  const start = body.length > BODY_START ? `${body.slice(0, BODY_START)}…` : body;
  const what = body.trim() === '' ? 'an empty body' : (contentType ?? 'no content type');
  // A short plain-text reason ("request entity too large") is worth reading in the message; a page of HTML is not.
  const line = body.replace(/\s+/g, ' ').trim();
  const reason = line !== '' && !/html/i.test(contentType ?? '') && !line.startsWith('<') ? `: ${line.length > 120 ? `${line.slice(0, 120)}…` : line}` : '';
  return {
    errors: [{ message: `The answer (HTTP ${status}, ${what}) is not a GraphQL response${reason}`, extensions: { notGraphQL: { contentType, body: start } } }],
  };
}
