// GraphiQL in a real headless browser (Debian's chromium, driven by playwright-core), default mode:
// the page loads with nothing but same-origin requests, shows one example tab per Jiguang service
// (reads, then mutations marked as such) opened on an app that has data, and runs every one of them
// against the emulator without a failed request or a console error; the Docs pane has the schema.
// A visitor with their own token is asked for it first, and the schema follows the Headers editor.
// Screenshots are left in test-results/ (gitignored).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import type { App, Certificate, GrowthUser, LinkStat, LinkStatTotals, PortraitTags, ReportGrowthEventsPayload, VerificationStatus } from '../../src/generated/graphql.js';
import { type RunningGateway, startGateway } from '../../src/inbound/server.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { docsText, editorValue, hasChromium, launch, openTab, run, screenshot, setEditorValue, skipMessage, tabTitles, watch } from './graphiql-helpers.js';

let h: Harness;
let browser: Browser;
/** A second gateway on the same emulator and registry, without a token for GraphiQL (a real deployment). */
let own: RunningGateway;
beforeAll(async () => {
  if (!hasChromium) return;
  h = await startHarness();
  own = await startGateway({ config: h.config, registry: h.registry, logger: createLogger({ level: 'silent' }) });
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await own?.close();
  await h?.close();
});

const TITLES = ['Apps', 'ShortLinks', 'AudienceTags', 'OneTapLoginStatus', 'PushCertificates', 'GrowthUser', 'CreateApp', 'EnableOneTapLogin', 'ReportGrowthEvents'];
const MUTATIONS = new Set(['CreateApp', 'EnableOneTapLogin', 'ReportGrowthEvents']);

/** What the example tabs (src/inbound/graphiql/examples.ts) answer, as far as this test reads them. */
type ExampleAnswers = {
  Apps: { apps: Pick<App, 'appKey' | 'name' | 'androidPackage' | 'groupName'>[] };
  ShortLinks: {
    app: { shortLinks: { totalCount: number; nodes: { stats: { days: Pick<LinkStat, 'day' | 'clicks'>[]; totals: Omit<LinkStatTotals, '__typename'> } }[] } };
  };
  AudienceTags: { app: { portraitTags: Pick<PortraitTags, 'found'> } };
  OneTapLoginStatus: { app: { android: Pick<VerificationStatus, 'state'>; ios: Pick<VerificationStatus, 'state'> } };
  PushCertificates: { app: { certificates: Pick<Certificate, 'environment' | 'subject' | 'topics'>[] } };
  GrowthUser: { growthUser: Pick<GrowthUser, 'cuid'> };
  CreateApp: { createApp: { app: Pick<App, 'appKey' | 'name' | 'androidPackage' | 'groupName'> } };
  EnableOneTapLogin: { enableOneTapLogin: Pick<VerificationStatus, 'appKey' | 'platform' | 'state'> };
  ReportGrowthEvents: { reportGrowthEvents: Pick<ReportGrowthEventsPayload, 'total' | 'succeeded' | 'failed'> };
};

it.skipIf(!hasChromium)(
  hasChromium ? 'runs every example tab, the mutations too, on an app with data, with the schema in the Docs pane' : skipMessage,
  async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await context.newPage();
      const w = watch(page, new URL(h.gateway.url).origin);
      const loaded = await page.goto(h.gateway.graphqlUrl);
      expect(loaded?.status()).toBe(200);
      await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
      await expect.poll(() => tabTitles(page)).toEqual(TITLES);

      // The schema came with the pre-filled token.
      expect(await docsText(page)).toContain('Query');

      // The alphabetically first app has no short links; the examples open one that has.
      const [first] = await h.registry.list();
      expect(first!.name).toBe('Demo Empty');

      const appCount = h.emulator.apps.length; // CreateApp adds one
      const answers: Record<string, unknown> = {};
      for (const [index, title] of TITLES.entries()) {
        await openTab(page, index);
        const query = await editorValue(page, 'query');
        // Mutations say so on their first line; reads do not.
        expect(query.split('\n')[0]!.includes('MUTATION'), title).toBe(MUTATIONS.has(title));
        expect(await editorValue(page, 'headers')).toContain(`Bearer ${h.tokens.reader}`);
        if (MUTATIONS.has(title)) await setEditorValue(page, 'headers', JSON.stringify({ authorization: `Bearer ${h.tokens.admin}` }, null, 2));
        const variables = await editorValue(page, 'variables');
        expect(variables, title).not.toContain('$'); // every placeholder was replaced
        if (variables.includes('appKey')) expect(variables, title).not.toContain(first!.appKey);
        const result = await run(page, title);
        expect(result.errors, `${title}: ${JSON.stringify(result.errors)}`).toBeUndefined();
        answers[title] = result.data;
      }

      const tabs = answers as ExampleAnswers;
      expect(tabs.Apps.apps.length).toBe(appCount);
      const links = tabs.ShortLinks.app.shortLinks;
      expect(links.totalCount).toBeGreaterThan(0);
      // The statistics window has data: days with clicks.
      expect(links.nodes.some((n) => n.stats.days.length > 0 && n.stats.totals.clicks > 0)).toBe(true);
      expect(tabs.AudienceTags.app.portraitTags.found).toBe(true);
      expect(['NONE', 'PENDING', 'PASS', 'NO_PASS']).toContain(tabs.OneTapLoginStatus.app.android.state);
      expect(tabs.PushCertificates.app.certificates).toEqual([]);
      expect(tabs.GrowthUser.growthUser.cuid).toMatch(/^\d+$/);
      expect(tabs.CreateApp.createApp.app.androidPackage).toBe('com.example.graphiql');
      expect(tabs.EnableOneTapLogin.enableOneTapLogin.state).toMatch(/^(PENDING|PASS)$/);
      expect(tabs.ReportGrowthEvents.reportGrowthEvents).toMatchObject({ total: 1, succeeded: 1, failed: 0 });

      // The History plugin (GraphiQL's default) recorded the runs.
      await page.locator('button[aria-label="Show History"]').click();
      await expect.poll(() => page.locator('.graphiql-history-item').count()).toBeGreaterThan(0);
      await screenshot(page, 'graphiql');

      expect(w.failed).toEqual([]);
      expect(w.foreign).toEqual([]);
      expect(w.errors).toEqual([]);
    } finally {
      await context.close();
    }
  },
  120_000,
);

it.skipIf(!hasChromium)(
  hasChromium ? 'asks for a token first, refuses a wrong one, and fetches the schema again when the Headers get one' : skipMessage,
  async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await context.newPage();
      // The wrong token's probe answers 401: expected here, and the page says so.
      const w = watch(page, new URL(own.url).origin, (_url, status) => status === 401);
      await page.goto(own.graphqlUrl);
      const input = page.locator('.gw-token input[type=password]');
      await input.waitFor({ state: 'visible' });
      await screenshot(page, 'graphiql-token');
      await input.fill('not-a-token');
      await page.locator('.gw-token button[type=submit]').click();
      await expect.poll(() => page.locator('.gw-token .gw-error').innerText()).toContain('401');

      await page.locator('.gw-token input[type=password]').fill(h.tokens.reader);
      await page.locator('.gw-token button[type=submit]').click();
      await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
      expect(await editorValue(page, 'headers')).toContain(`Bearer ${h.tokens.reader}`);
      expect(await docsText(page)).toContain('Query');
      // The examples were made for this token's apps: the first app with links.
      await openTab(page, 1);
      const links = await run<Pick<ExampleAnswers['ShortLinks'], 'app'>>(page, 'ShortLinks');
      expect(links.errors).toBeUndefined();
      expect(links.data!.app.shortLinks.totalCount).toBeGreaterThan(0);

      // A reload keeps the token for this browser tab (sessionStorage) and restores the saved tabs.
      await page.reload();
      await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
      expect(await editorValue(page, 'headers')).toContain(`Bearer ${h.tokens.reader}`);

      // Another browser tab, without a token: no schema yet, and no error about it.
      const bare = await context.newPage();
      const w2 = watch(bare, new URL(own.url).origin);
      await bare.goto(own.graphqlUrl);
      await bare.locator('.gw-token .gw-skip').click();
      await bare.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
      const before = await docsText(bare);
      expect(before).not.toContain('Error fetching schema');
      // The token typed into the Headers editor: the schema is fetched with it.
      await bare.locator('button[data-name="headers"]').click();
      await setEditorValue(bare, 'headers', JSON.stringify({ authorization: `Bearer ${h.tokens.reader}` }));
      await expect.poll(() => docsText(bare), { timeout: 10_000 }).toContain('Query');
      await screenshot(bare, 'graphiql-headers-token');

      expect(w.failed).toEqual([]);
      expect(w2.failed).toEqual([]);
      expect([...w.errors, ...w2.errors].filter((e) => !/status of 401/.test(e))).toEqual([]);
      expect([...w.foreign, ...w2.foreign]).toEqual([]);
    } finally {
      await context.close();
    }
  },
  120_000,
);
