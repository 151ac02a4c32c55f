// The typed client runs every generated operation against the real gateway; the compiler checks
// variables and results (a schema change that breaks an operation breaks `npm run typecheck`).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppDocument,
  AppsDocument,
  type AppsQuery,
  type Cost,
  type CostBudget,
  createGatewayClient,
  documentId,
  type ErrorCode,
  type GatewayClient,
  PortraitTagsDocument,
  ShortLinkStatsDocument,
  ShortLinksDocument,
} from '../../client/index.js';
import { type GraphQLBody, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let client: GatewayClient;
beforeAll(async () => {
  h = await startHarness();
  client = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens.reader });
});
afterAll(() => h.close());

describe('typed operations', () => {
  it('runs every operation family with typed variables and results', async () => {
    const apps = await client.execute(AppsDocument);
    const appKey: string = apps.data!.apps[0]!.appKey;
    expect(apps.data!.apps.map((a) => a.name)).toContain(h.emulator.apps[0]!.name);

    const one = await client.execute(AppDocument, { appKey });
    expect(one.data?.app?.appKey).toBe(appKey);

    const links = await client.execute(ShortLinksDocument, { appKey: h.emulator.apps[0]!.appKey, first: 3 });
    const edges = links.data!.app!.shortLinks!.edges;
    expect(edges).toHaveLength(3);
    const key: string = edges[0]!.node.key;

    const stats = await client.execute(ShortLinkStatsDocument, { appKey: h.emulator.apps[0]!.appKey, key, from: '2026-01-01', to: '2026-01-31', platform: 'ANDROID' });
    const totals = stats.data!.app!.shortLink!.stats!.totals;
    expect(typeof totals.clicks).toBe('number');

    const tags = await client.execute(PortraitTagsDocument, { appKey: h.emulator.apps[0]!.appKey, subject: { idType: 'OAID', value: 'oaid-1' } });
    const scores: number[] = tags.data!.app!.portraitTags!.tags.map((t) => t.score);
    expect(scores.length).toBeGreaterThan(0);
  });

  it('types extensions.cost on every result', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    const links = await client.execute(ShortLinksDocument, { appKey, first: 2 });
    const cost: Cost | undefined = links.extensions?.cost;
    expect(cost!.upstreamCalls).toBeGreaterThan(0);
    expect(cost!.estimatedUpstreamCalls).toBeGreaterThanOrEqual(cost!.upstreamCalls);
    const budget: CostBudget | null = cost!.budget;
    expect(budget!.limit).toBe(h.config.fairness.upstreamCallsPerMinute);
    expect(budget!.remaining).toBeLessThan(budget!.limit);
  });

  it('types error codes as the schema enum', async () => {
    const r = await client.execute(AppDocument, { appKey: 'nope' });
    const code: ErrorCode | undefined = r.errors?.[0]?.extensions?.code;
    expect(code).toBe('NOT_FOUND');
  });

  it('sends only the document id in persisted mode', async () => {
    const persisted = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens.reader, mode: 'persisted' });
    const r = await persisted.execute(AppsDocument);
    expect(r.errors).toBeUndefined();
    expect(r.data!.apps.length).toBe(h.emulator.apps.length);
    expect(documentId(AppsDocument)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('trusted-documents mode', () => {
  let trusted: Harness;
  beforeAll(async () => {
    trusted = await startHarness({ env: { GATEWAY_TRUSTED_DOCUMENTS: 'true' } });
  });
  afterAll(() => trusted.close());

  it('runs manifest documents by documentId, over POST and GET', async () => {
    const r = await createGatewayClient({ url: trusted.gateway.graphqlUrl, token: trusted.tokens.reader, mode: 'persisted' }).execute(AppsDocument);
    expect(r.status).toBe(200);
    expect(r.data!.apps.length).toBe(trusted.emulator.apps.length);
    const get = await trusted.fetch(`${trusted.gateway.graphqlUrl}?documentId=${encodeURIComponent(documentId(AppsDocument))}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as GraphQLBody<AppsQuery>).data!.apps.length).toBe(trusted.emulator.apps.length);
  });

  it("accepts Apollo's persisted-query extension with a manifest hash", async () => {
    const hash = documentId(AppsDocument).slice('sha256:'.length);
    const r = await trusted.fetch(trusted.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as GraphQLBody<AppsQuery>).data!.apps).toHaveLength(trusted.emulator.apps.length);
  });

  it('rejects any other document, even a valid one, before running it', async () => {
    const r = await trusted.gql('{ apps { appKey } }');
    expect(r.status).toBe(400);
    expect(r.body.errors![0]!.extensions!.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
    expect(r.body.errors![0]!.message).toMatch(/only runs trusted documents/);
  });

  it('rejects an unknown document id', async () => {
    const r = await trusted.fetch(trusted.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: `sha256:${'0'.repeat(64)}` }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as GraphQLBody).errors![0]!.extensions!.code).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
  });

  it('accepts the exact text of a manifest document', async () => {
    const manifest = JSON.parse(readFileSync(trusted.config.documents.manifests[0]!, 'utf8')) as Record<string, string>;
    const r = await trusted.gql<AppsQuery>(manifest[documentId(AppsDocument)]!);
    expect(r.status).toBe(200);
    expect(r.body.data!.apps).toHaveLength(trusted.emulator.apps.length);
  });
});
