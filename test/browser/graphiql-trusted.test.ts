// GraphiQL in trusted-documents mode, in Chromium: the page offers exactly the manifests' operations
// (the gateway's own and a second team's, from a folder), runs each by `documentId`, and is never a
// broken page: with introspection on, the Docs pane comes from the built-in introspection document;
// with it off (production), there is no Docs pane at all rather than "Error fetching schema". As in
// the default mode, a reader's page leaves the manifests' mutations out; an admin's has them, last.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kind, parse } from 'graphql';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppsQuery, ShortLinkStatsQuery, ShortLinksQuery } from '../../client/index.js';
import { documentIdOf } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { TrustedDocuments } from '../../src/inbound/documents.js';
import { createGraphiQL } from '../../src/inbound/graphiql.js';
import { type RunningGateway, startGateway } from '../../src/inbound/server.js';
import { parseTarget } from '../../src/inbound/target.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { docsText, editorValue, hasChromium, launch, openTab, run, screenshot, setEditorValue, skipMessage, tabTitles, watch } from './graphiql-helpers.js';

const TEAM_B = 'query TeamBAppNames { apps { name groupName } }';
/** A mutation in team B's manifest: only an admin's page offers it. */
const TEAM_B_MUTATION = 'mutation TeamBCreateApp($input: CreateAppInput!) { createApp(input: $input) { newlyCreated } }';

/** What the tabs this test reads answer: team B's document, and two of the client's generated operations. */
type TrustedAnswers = {
  TeamBAppNames: { apps: Pick<AppsQuery['apps'][number], 'name' | 'groupName'>[] };
  ShortLinks: ShortLinksQuery;
  ShortLinkStats: ShortLinkStatsQuery;
};

let browser: Browser;
let folder: string;
beforeAll(async () => {
  if (!hasChromium) return;
  folder = mkdtempSync(join(tmpdir(), 'team-b-'));
  writeFileSync(join(folder, 'team-b.json'), JSON.stringify({ [documentIdOf(TEAM_B)]: TEAM_B, [documentIdOf(TEAM_B_MUTATION)]: TEAM_B_MUTATION }));
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** The operation names of the manifests' documents, reads first, as the page orders its tabs: a reader's page has no mutation. */
function expectedTitles(documents: TrustedDocuments, role: 'reader' | 'admin'): { title: string; mutation: boolean }[] {
  const ops = documents.list().map((d) => {
    const op = parse(d.document).definitions.find((x) => x.kind === Kind.OPERATION_DEFINITION)!;
    return { title: op.name!.value, mutation: op.operation === 'mutation' };
  });
  return [...ops.filter((o) => !o.mutation), ...(role === 'admin' ? ops.filter((o) => o.mutation) : [])];
}

/** Runs every tab; each must answer data without errors, and go out as a documentId. */
async function runEveryTab(page: Page, titles: { title: string }[], posted: Record<string, unknown>[]): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = {};
  for (const [index, { title }] of titles.entries()) {
    await openTab(page, index);
    expect(await editorValue(page, 'variables'), title).not.toContain('$');
    const before = posted.length;
    const result = await run(page, title);
    expect(result.errors, `${title}: ${JSON.stringify(result.errors)}`).toBeUndefined();
    const sent = posted.slice(before).filter((p) => p.operationName === title);
    expect(sent.length, title).toBeGreaterThan(0);
    for (const body of sent) {
      expect(body.documentId, title).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(body.query, title).toBeUndefined();
    }
    answers[title] = result.data;
  }
  return answers;
}

describe.skipIf(!hasChromium)(hasChromium ? 'trusted documents, introspection on' : skipMessage, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { GATEWAY_TRUSTED_DOCUMENTS: 'true', GATEWAY_PERSISTED_DOCUMENTS: folder } });
  });
  afterAll(() => h?.close());

  it('offers exactly the trusted operations, runs each by documentId, and has the Docs pane', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await context.newPage();
      // The edited document's refusal (400) is expected, once.
      const w = watch(page, new URL(h.gateway.url).origin, (_url, status) => status === 400);
      expect((await page.goto(h.gateway.graphqlUrl))?.status()).toBe(200);
      await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
      // The harness's page comes with a reader's token: no mutation tab.
      const titles = expectedTitles(TrustedDocuments.from(h.config.documents), 'reader');
      expect(titles.map((t) => t.title)).toContain('TeamBAppNames');
      expect(titles.map((t) => t.title)).not.toContain('TeamBCreateApp');
      await expect.poll(() => tabTitles(page)).toEqual(titles.map((t) => t.title));
      expect(await docsText(page)).toContain('Query');

      const answers = (await runEveryTab(page, titles, w.posted)) as TrustedAnswers;
      expect(answers.TeamBAppNames.apps.length).toBe(h.emulator.apps.length);
      // The examples opened an app with links, and a link of it.
      expect(answers.ShortLinks.app!.shortLinks!.totalCount).toBeGreaterThan(0);
      expect(answers.ShortLinkStats.app!.shortLink!.stats!.days.length).toBeGreaterThan(0);

      // An edited document is not trusted: the gateway says so, the page stays usable.
      await openTab(
        page,
        titles.findIndex((t) => t.title === 'Apps'),
      );
      await setEditorValue(page, 'query', 'query Apps { apps { appKey } }');
      const edited = await run(page, 'Apps');
      expect(edited.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
      await screenshot(page, 'graphiql-trusted');

      expect(w.failed).toEqual([]);
      expect(w.foreign).toEqual([]);
      expect(w.errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("offers the manifests' mutations to an admin, marked and last, and not to a reader", async () => {
    // A gateway on the same configuration whose page has no token: each visitor types theirs.
    const own: RunningGateway = await startGateway({ config: h.config, registry: h.registry, logger: createLogger({ level: 'silent' }) });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const documents = TrustedDocuments.from(h.config.documents);
      for (const role of ['admin', 'reader'] as const) {
        const page = await context.newPage();
        const w = watch(page, new URL(own.url).origin);
        await page.goto(own.graphqlUrl);
        const input = page.locator('.gw-token input[type=password]');
        await input.waitFor({ state: 'visible' });
        await input.fill(h.tokens[role]);
        await page.locator('.gw-token button[type=submit]').click();
        await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
        const titles = expectedTitles(documents, role).map((t) => t.title);
        await expect.poll(() => tabTitles(page)).toEqual(titles);
        if (role === 'admin') {
          expect(titles.at(-1)).toBe('TeamBCreateApp');
          await openTab(page, titles.length - 1);
          expect((await editorValue(page, 'query')).split('\n')[0]).toContain('MUTATION');
        }
        expect(w.failed).toEqual([]);
        expect(w.foreign).toEqual([]);
        expect(w.errors).toEqual([]);
        await page.close();
      }
    } finally {
      await context.close();
      await own.close();
    }
  }, 120_000);
});

describe.skipIf(!hasChromium)(hasChromium ? 'trusted documents, introspection off' : skipMessage, () => {
  // The configuration today turns GraphiQL off with introspection; this is the page as it would be
  // served with GATEWAY_GRAPHIQL=true in trusted mode (see the report): served here by a small server
  // in front of a production-like gateway.
  let h: Harness;
  let front: Server;
  let url: string;
  beforeAll(async () => {
    h = await startHarness({ env: { GATEWAY_TRUSTED_DOCUMENTS: 'true', GATEWAY_INTROSPECTION: 'false', GATEWAY_PERSISTED_DOCUMENTS: folder } });
    const graphiql = createGraphiQL({
      graphqlPath: '/graphql',
      documents: TrustedDocuments.from(h.config.documents),
      token: h.tokens.reader,
      introspection: false,
      exampleApp: async () => undefined,
    });
    front = createServer((req, res) => {
      void (async () => {
        if (await graphiql.handle(req, res, parseTarget(req.url)!)) return;
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const headers: Record<string, string> = {};
        for (const name of ['authorization', 'content-type', 'accept']) if (typeof req.headers[name] === 'string') headers[name] = req.headers[name];
        const answer = await fetch(h.gateway.url + req.url, { method: req.method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      })();
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => front?.close(resolve));
    await h?.close();
  });

  it('has no Docs pane and no schema error, and runs the trusted operations', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await context.newPage();
      const w = watch(page, url);
      expect((await page.goto(`${url}/graphql`))?.status()).toBe(200);
      await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
      const titles = expectedTitles(TrustedDocuments.from(h.config.documents), 'reader');
      await expect.poll(() => tabTitles(page)).toEqual(titles.map((t) => t.title));
      // Neither the Docs button nor the re-fetch button: nothing to show, nothing to fail.
      expect(await page.locator('.graphiql-sidebar button[aria-label$="Documentation Explorer"]').isVisible()).toBe(false);
      expect(await page.locator('.graphiql-sidebar button[aria-label="Re-fetch GraphQL schema"]').isVisible()).toBe(false);
      expect(await page.locator('.graphiql-container').innerText()).not.toContain('Error fetching schema');
      // No introspection was even tried.
      expect(w.posted.some((p) => p.operationName === 'IntrospectionQuery')).toBe(false);

      await runEveryTab(page, titles, w.posted);
      await screenshot(page, 'graphiql-trusted-no-introspection');
      expect(w.failed).toEqual([]);
      expect(w.foreign).toEqual([]);
      expect(w.errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
