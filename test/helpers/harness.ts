// Starts the real thing for a test file: the Jiguang emulator and the gateway's HTTP server, both on
// loopback port 0, with the gateway's log lines collected so tests can inspect them. Requests go
// through the typed client in client/, so every test run exercises it.

import { randomBytes } from 'node:crypto';
import { buildSchema, type GraphQLEnumType } from 'graphql';
import { createGatewayClient, type ErrorCode, type GatewayExtensions } from '../../client/index.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../emulator/index.js';
import { hashToken, newToken } from '../../src/auth/callers.js';
import { type GatewayConfig, loadConfig } from '../../src/config/index.js';
import type { JiguangErrorInfo } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { MemoryQuotaBackend } from '../../src/http/quota.js';
import { type RunningGateway, startGateway } from '../../src/inbound/server.js';
import { type AppRegistry, openMemoryRegistry } from '../../src/registry/index.js';
import { loadTypeDefs } from '../../src/schema.js';

/** An error in an answer, as the client sees it (`assertKnownCodes` has checked its code). */
export interface ResultError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: ErrorCode; jiguang?: JiguangErrorInfo; [key: string]: unknown };
}

/** An answer of `gql`: `T` is the shape of `data` the caller expects from its document. */
export interface GraphQLResult<T = unknown> {
  status: number;
  /** Response headers, names in lower case (the typed client's `GatewayResult.headers`). */
  headers: Record<string, string>;
  body: { data?: T | null; errors?: ResultError[]; extensions?: GatewayExtensions };
  text: string;
}

/** The JSON body of a GraphQL answer, for a test that reads a raw `fetch` response. */
export type GraphQLBody<T = unknown> = GraphQLResult<T>['body'];

export interface Harness {
  emulator: Emulator;
  gateway: RunningGateway;
  registry: AppRegistry;
  config: GatewayConfig;
  /** Every log line the gateway wrote, as text. */
  logs: string[];
  /** Every response body the harness received, as text (for secret scans). */
  responses: string[];
  /** Tokens made for this run: an admin, a reader, and a reader limited to the second app. */
  /** admin, reader, a reader limited to the second app (scoped), an admin limited to it (scopedAdmin). */
  tokens: { admin: string; reader: string; scoped: string; scopedAdmin: string };
  /** fetch with the reader's Authorization header (unless the call sets its own). */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  gql<T = unknown>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResult<T>>;
  /** Forgets the traffic state (quota buckets and pauses, cached answers): each test starts afresh. */
  resetTraffic(): Promise<void>;
  close(): Promise<void>;
}

/**
 * No cross-request caching unless a test asks for it (`cache: true`): most test files check what one
 * request does upstream, with faults injected per call.
 */
const NO_CACHE: Record<string, string> = {
  GATEWAY_CACHE_GRACE_SECONDS: '0',
  GATEWAY_CACHE_STALE_IF_ERROR_SECONDS: '0',
  GATEWAY_CACHE_LINK_PAGES_SECONDS: '0',
  GATEWAY_CACHE_STATS_RECENT_SECONDS: '0',
  GATEWAY_CACHE_STATS_CLOSED_SECONDS: '0',
  GATEWAY_CACHE_PORTRAIT_SECONDS: '0',
  GATEWAY_CACHE_REVIEW_STATUS_SECONDS: '0',
  GATEWAY_CACHE_GROWTH_USERS_SECONDS: '0',
};

export async function startHarness(options: { emulator?: EmulatorOptions; env?: Record<string, string>; cache?: boolean } = {}): Promise<Harness> {
  const emulator = await startEmulator(options.emulator);
  const u = emulator.url;
  const tokens = { admin: newToken(), reader: newToken(), scoped: newToken(), scopedAdmin: newToken() };
  const callers = [
    { name: 'test-admin', sha256: hashToken(tokens.admin), role: 'admin' },
    { name: 'test-reader', sha256: hashToken(tokens.reader), role: 'reader' },
    { name: 'test-scoped', sha256: hashToken(tokens.scoped), role: 'reader', appKeys: [emulator.apps[1]!.appKey] },
    { name: 'test-scoped-admin', sha256: hashToken(tokens.scopedAdmin), role: 'admin', appKeys: [emulator.apps[1]!.appKey] },
  ];
  const loaded = loadConfig({
    GATEWAY_TOKENS: JSON.stringify(callers),
    JIGUANG_DEV_KEY: emulator.developer.devKey,
    JIGUANG_DEV_SECRET: emulator.developer.devSecret,
    JIGUANG_GROWTH_PROJECT_ID: emulator.growthProject.projectId,
    JIGUANG_GROWTH_PROJECT_SECRET: emulator.growthProject.projectSecret,
    GATEWAY_REGISTRY_KEY: randomBytes(32).toString('hex'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    JIGUANG_JMLINK_URL: u,
    JIGUANG_PORTRAIT_URL: u,
    JIGUANG_PUSH_ADMIN_URL: u,
    JIGUANG_VERIFICATION_ADMIN_URL: u,
    JIGUANG_GROWTH_URL: u,
    ...(options.cache ? {} : NO_CACHE),
    // Every document compiled at its first use, so that the tests run what production runs from a
    // document's second use on (test/gateway/compiled.test.ts compares the two engines).
    GATEWAY_COMPILE_AFTER_USES: '1',
    ...options.env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const config = loaded.config;
  const registry = openMemoryRegistry();
  for (const app of emulator.apps) await registry.upsert({ ...app, source: 'config' }, app.masterSecret);
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const gateway = await startGateway({ config, registry, logger, graphiqlToken: tokens.reader });
  const responses: string[] = [];
  const client = createGatewayClient({ url: gateway.graphqlUrl, token: tokens.reader });

  return {
    emulator,
    gateway,
    registry,
    config,
    logs,
    responses,
    tokens,
    fetch(url, init) {
      const headers = new Headers(init?.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${tokens.reader}`);
      return fetch(url, { ...init, headers });
    },
    async gql<T>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) {
      const { status, headers: responseHeaders, ...body } = await client.executeText<T>(query, variables, headers);
      const text = JSON.stringify(body);
      responses.push(text);
      assertKnownCodes(body);
      return { status, headers: responseHeaders, body, text };
    },
    async resetTraffic() {
      gateway.upstream.deps.quota.use(new MemoryQuotaBackend());
      await gateway.upstream.cache.deletePrefix('');
    },
    async close() {
      await gateway.close();
      await emulator.close();
      await registry.close();
    },
  };
}

/** The schema's ErrorCode values: every `extensions.code` a client can see must be one of them. */
export const ERROR_CODES: ReadonlySet<string> = new Set((buildSchema(loadTypeDefs().join('\n')).getType('ErrorCode') as GraphQLEnumType).getValues().map((v) => v.name));

/** Throws when an answer carries an error code the schema does not list. */
export function assertKnownCodes(body: { errors?: { extensions?: Record<string, unknown> }[] }): void {
  for (const error of body.errors ?? []) {
    const code = error.extensions?.code;
    if (typeof code !== 'string' || !ERROR_CODES.has(code))
      throw new Error(`an error code outside the ErrorCode enum reached a client: ${JSON.stringify(code)} (${JSON.stringify(error)})`);
  }
}

/** The codes of a result's errors, in order. */
export function codes(result: Pick<GraphQLResult, 'body'>): (ErrorCode | undefined)[] {
  return (result.body.errors ?? []).map((e) => e.extensions?.code);
}
