// The gateway's typed client: the operations in client/operations/*.graphql, generated into typed
// documents, sent over undici. Variables and results are fully typed, and a schema change that
// breaks an operation breaks the build. Tests call the gateway through it, so the types run too.

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type DocumentNode, print } from 'graphql';
import { request } from 'undici';
import type { ErrorCode } from './generated/enums.js';

export type { ErrorCode, LinkPlatform, PortraitIdType } from './generated/enums.js';
export * from './generated/graphql.js';

export interface GatewayError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: ErrorCode; [key: string]: unknown };
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

export interface GatewayResult<TData> {
  /** HTTP status of the answer. */
  status: number;
  /** Response headers (`x-request-id` among them). */
  headers: Record<string, string | string[] | undefined>;
  data?: TData | null;
  errors?: GatewayError[];
  /** `cost` on every answer of a known token (a 401 has none), `stale` when some data is. */
  extensions?: GatewayExtensions;
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
  headers?: Record<string, string>;
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

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const printed = new WeakMap<object, string>();
  const text = (document: DocumentNode) => {
    let value = printed.get(document);
    if (value === undefined) printed.set(document, (value = print(document)));
    return value;
  };
  const post = async <TData>(body: unknown, headers?: Record<string, string>): Promise<GatewayResult<TData>> => {
    const res = await request(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json;q=0.9',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
        ...headers,
      },
      body: JSON.stringify(body),
    });
    const payload = (await res.body.json()) as Pick<GatewayResult<TData>, 'data' | 'errors' | 'extensions'>;
    return { status: res.statusCode, headers: res.headers, ...payload };
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
