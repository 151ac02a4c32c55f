// Shared by the GraphiQL browser tests: Debian's chromium driven by playwright-core, a watch on
// everything a page does wrong (failed or foreign requests, HTTP errors, console errors, exceptions),
// and the moves a person makes in GraphiQL (open a tab, wait for it to settle, run it, read the answer).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { type Browser, chromium, type Page } from 'playwright-core';

/** The browser's document, inside functions that run in the page (the project's lib has no DOM). */
declare const document: { querySelector(selector: string): unknown };

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const skipMessage = `GraphiQL browser test SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Watch {
  /** Requests that failed or answered 4xx/5xx (except those `allow` names). */
  failed: string[];
  /** Requests to another origin than the gateway's. */
  foreign: string[];
  /** console.error messages and uncaught exceptions (a CSP violation is one). */
  errors: string[];
  /** The JSON bodies the page posted to the GraphQL endpoint. */
  posted: Record<string, unknown>[];
}

export function watch(page: Page, origin: string, allow: (url: string, status: number) => boolean = () => false): Watch {
  const w: Watch = { failed: [], foreign: [], errors: [], posted: [] };
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) w.foreign.push(url);
    if (r.method() === 'POST' && r.postData()) w.posted.push(JSON.parse(r.postData()!) as Record<string, unknown>);
  });
  page.on('requestfailed', (r) => w.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !allow(r.url(), r.status())) w.failed.push(`${r.url()}: HTTP ${r.status()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => w.errors.push(`exception: ${String(e)}`));
  return w;
}

/**
 * GraphiQL re-parses the query 100 ms after it changes (debounced: typing, switching tabs); until then
 * it still holds the previous query's operation name and would send that with the new query ("Unknown
 * operation named …"). A person never clicks that fast; the tests wait for it.
 */
export async function settled(page: Page, operationName: string | null): Promise<void> {
  // A function, not a string: the page's Content-Security-Policy forbids eval.
  await page.waitForFunction((name) => {
    const cm = (document.querySelector('.graphiql-query-editor .CodeMirror') as { CodeMirror: { operations?: unknown[]; operationName?: string | null } }).CodeMirror;
    return (cm.operations?.length ?? 0) >= 1 && cm.operationName === name;
  }, operationName);
}

/** The text of the editor holding the active tab's query, variables or headers. */
export function editorValue(page: Page, which: 'query' | 'variables' | 'headers'): Promise<string> {
  return page.$eval(selector(which), (el) => String((el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue()));
}

/** Replaces an editor's text, as pasting over it does (GraphiQL's change handlers run). */
export async function setEditorValue(page: Page, which: 'query' | 'variables' | 'headers', value: string): Promise<void> {
  await page.$eval(selector(which), (el, v) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(v), value);
}

function selector(which: 'query' | 'variables' | 'headers'): string {
  if (which === 'query') return '.graphiql-query-editor .CodeMirror';
  return `.graphiql-editor-tool .graphiql-editor:nth-child(${which === 'variables' ? 1 : 2}) .CodeMirror`;
}

/** The tab titles, in order. */
export function tabTitles(page: Page): Promise<string[]> {
  return page.locator('.graphiql-tab').allInnerTexts();
}

export async function openTab(page: Page, index: number): Promise<void> {
  await page.locator('.graphiql-tab').nth(index).locator('.graphiql-tab-button').click();
}

/** A response shown in GraphiQL's response pane; `T` is the shape of `data` the caller expects from the tab. */
export interface PaneResult<T = unknown> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Runs the active tab and returns the parsed response once it has arrived. */
export async function run<T = unknown>(page: Page, operationName: string | null): Promise<PaneResult<T>> {
  await settled(page, operationName);
  // GraphiQL clears the response pane when a run starts; the previous tab's answer must not count.
  await page.evaluate(() => {
    const cm = (document.querySelector('.graphiql-response .CodeMirror') as { CodeMirror: { setValue(v: string): void } }).CodeMirror;
    cm.setValue('');
  });
  await page.locator('.graphiql-execute-button').click();
  const text = await waitFor(async () => {
    if (await page.locator('.graphiql-response .graphiql-spinner').count()) return undefined;
    const value = await page.$eval('.graphiql-response .CodeMirror', (el) => String((el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue()));
    return value.trim() === '' ? undefined : value;
  }, 20_000);
  return JSON.parse(text) as PaneResult<T>;
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The Docs pane's text once it has settled (the schema, or why there is none). */
export async function docsText(page: Page): Promise<string> {
  const button = page.locator('.graphiql-sidebar button[aria-label$="Documentation Explorer"]');
  if ((await button.getAttribute('aria-label')) === 'Show Documentation Explorer') await button.click();
  return waitFor(async () => {
    const pane = page.locator('.graphiql-doc-explorer');
    if ((await pane.count()) === 0 || (await pane.locator('.graphiql-spinner').count()) > 0) return undefined;
    return pane.innerText();
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir('test-results', { recursive: true });
  await page.screenshot({ path: `test-results/${name}.png` });
}
