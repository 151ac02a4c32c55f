// GraphiQL in a real headless browser (Debian's chromium, driven by playwright-core): the page loads
// with nothing but same-origin requests, shows the three example tabs, runs a typed query and shows
// the emulator's data. A screenshot is left in test-results/graphiql.png.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

let h: Harness;
let browser: Browser;
beforeAll(async () => {
  if (!hasChromium) return;
  h = await startHarness();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

it.skipIf(!hasChromium)(
  hasChromium
    ? 'GraphiQL loads same-origin only, shows the example tabs and runs a typed query'
    : `GraphiQL browser test SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await context.newPage();
      const origin = new URL(h.gateway.url).origin;
      const failed: string[] = [];
      const foreign: string[] = [];
      page.on('request', (r) => {
        const url = r.url();
        if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) foreign.push(url);
      });
      page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.url()}: HTTP ${r.status()}`);
      });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));

      // GraphiQL re-parses the query 100 ms after it changes (debounced: typing, switching tabs); until
      // then it still holds the previous query's operation name and would send that with the new query
      // ("Unknown operation named …"). A person never clicks that fast; the test waits for it.
      const settled = (operationName: string | null) =>
        page.waitForFunction(
          `(() => {
            const cm = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
            return cm.operations?.length === 1 && cm.operationName === ${JSON.stringify(operationName)};
          })()`,
        );

      const loaded = await page.goto(h.gateway.graphqlUrl);
      expect(loaded?.status()).toBe(200);
      const editor = page.locator('.graphiql-query-editor .CodeMirror');
      await editor.waitFor({ state: 'visible' });

      // The example tabs, titled after their operations, the first one active.
      await expect.poll(() => page.locator('.graphiql-tab').allInnerTexts()).toEqual(['Apps', 'ShortLinks', 'AudienceTags']);
      // The headers editor (where a bearer token goes) is one click away under the query editor.
      await page.locator('button[data-name="headers"]').waitFor({ state: 'visible' });
      // The domain tabs come with the known app key in their variables, and run as they are.
      const appKey = (await h.registry.list())[0]!.appKey;
      const response = page.locator('.graphiql-response .result-window');
      for (const [title, expected] of [['ShortLinks', '"totalCount"'], ['AudienceTags', '"found": true']] as const) {
        await page.locator('.graphiql-tab', { hasText: title }).locator('.graphiql-tab-button').click();
        // The tab carries a token (Headers) and the app key (Variables).
        await page.locator('button[data-name="headers"]').click();
        await expect.poll(() => page.locator('.graphiql-editor-tool').innerText()).toContain('Bearer');
        await page.locator('button[data-name="variables"]').click();
        await expect.poll(() => page.locator('.graphiql-editor-tool').innerText()).toContain(appKey);
        await settled(title);
        await page.locator('.graphiql-execute-button').click();
        await expect.poll(() => response.innerText(), { timeout: 20_000 }).toContain(expected);
        expect(await response.innerText(), title).not.toContain('"errors"');
      }
      await page.locator('.graphiql-tab', { hasText: 'Apps' }).locator('.graphiql-tab-button').click();
      await expect.poll(() => editor.innerText()).toContain('query Apps');

      // Type a query for real: focus the editor, select everything, type over it.
      await editor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.type('{ apps { appKey name } }');
      // CodeMirror auto-closes brackets; whatever it inserted, the editor must hold the query typed.
      const typed = await page.$eval('.graphiql-query-editor .CodeMirror', (el: any) => String(el.CodeMirror.getValue()));
      expect(typed.trim()).toBe('{ apps { appKey name } }');
      await settled(null);

      await page.locator('.graphiql-execute-button').click();
      const result = response;
      const names = h.emulator.apps.map((a) => a.name);
      await expect.poll(() => result.innerText(), { timeout: 20_000 }).toContain(names[0]!);
      const text = await result.innerText();
      for (const name of names) expect(text).toContain(name);
      expect(text).not.toMatch(/"errors"/);

      // The History plugin (GraphiQL's default) recorded the run.
      await page.locator('button[aria-label="Show History"]').click();
      await expect.poll(() => page.locator('.graphiql-history-item').count()).toBeGreaterThan(0);

      await mkdir('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/graphiql.png' });

      expect(failed).toEqual([]);
      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  },
  60_000,
);
