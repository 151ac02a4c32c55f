// An example frontend page: the gateway's typed client in a browser, asking for the apps with their
// short-link counts (client/operations/apps.graphql, AppsWithLinks) across origins (CORS), and
// showing the typed result, or the errors' codes, or why no answer came. Plain DOM, no framework.
// Bundle it with `npx tsx scripts/client-example.ts` (docs/typed-clients.md, "In a browser").
//
// The token is typed into the page, or given in the URL fragment (`#gateway=…&token=…`): a fragment
// never leaves the browser, and the page takes the token out of the address bar at once. Nothing is
// stored.
import { AppsWithLinksDocument, type AppsWithLinksQuery, createGatewayClient, type GatewayResult } from '../index.js';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const form = element<HTMLFormElement>('ask');
const gatewayField = element<HTMLInputElement>('gateway');
const tokenField = element<HTMLInputElement>('token');
const status = element<HTMLParagraphElement>('status');
const errorList = element<HTMLUListElement>('errors');
const table = element<HTMLTableElement>('apps');

/** `data-state` on <body>: `idle`, `loading`, `done` (an answer is shown) or `failed` (no answer came). */
function setState(state: 'idle' | 'loading' | 'done' | 'failed', message: string): void {
  document.body.dataset.state = state;
  status.textContent = message;
}

function cell(row: HTMLTableRowElement, text: string, className?: string): void {
  const td = row.insertCell();
  td.textContent = text; // text, never HTML: names come from Jiguang
  if (className) td.className = className;
}

function render(result: GatewayResult<AppsWithLinksQuery>): void {
  const apps = result.data?.apps ?? [];
  const body = table.tBodies[0]!;
  body.replaceChildren();
  for (const app of apps) {
    const row = body.insertRow();
    cell(row, app.appKey);
    cell(row, app.name);
    cell(row, app.androidPackage);
    // null when the gateway could not read this app's links (its error is listed below).
    cell(row, app.shortLinks === null ? '—' : String(app.shortLinks.totalCount), 'count');
  }
  table.hidden = apps.length === 0;
  errorList.replaceChildren(
    ...(result.errors ?? []).map((error) => {
      const li = document.createElement('li');
      const code = error.extensions?.code ?? (error.extensions?.notGraphQL ? 'NOT_GRAPHQL' : 'NO_CODE');
      li.textContent = `${code}: ${error.message}${error.path ? ` (at ${error.path.join('.')})` : ''}`;
      return li;
    }),
  );
  const calls = result.extensions?.cost?.upstreamCalls;
  const requestId = result.headers['x-request-id'];
  setState(
    'done',
    [`HTTP ${result.status}`, `${apps.length} app${apps.length === 1 ? '' : 's'}`, calls === undefined ? '' : `${calls} upstream calls`, requestId ? `request ${requestId}` : '']
      .filter(Boolean)
      .join(' · '),
  );
}

let inFlight: AbortController | undefined;

async function load(): Promise<void> {
  inFlight?.abort(); // a second click replaces the first request
  const controller = (inFlight = new AbortController());
  // A client is cheap: one per request, so its signal cancels just this one.
  const client = createGatewayClient({ url: gatewayField.value, token: tokenField.value, signal: controller.signal });
  setState('loading', 'Loading…');
  try {
    const result = await client.execute(AppsWithLinksDocument);
    if (!controller.signal.aborted) render(result);
  } catch (error) {
    if (controller.signal.aborted) return;
    // No HTTP answer at all: the gateway is down, or the browser refused the answer under CORS (it
    // says which in the console; a page cannot tell the two apart).
    table.hidden = true;
    errorList.replaceChildren();
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    setState('failed', `No answer from the gateway (${reason}). Is it running, and is this page's origin, ${location.origin}, listed in its GATEWAY_CORS_ORIGINS?`);
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void load();
});

const fragment = new URLSearchParams(location.hash.slice(1));
const gateway = fragment.get('gateway');
if (gateway) gatewayField.value = gateway;
const token = fragment.get('token');
if (token) {
  tokenField.value = token;
  fragment.delete('token');
  const rest = fragment.toString();
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  void load();
} else {
  setState('idle', status.textContent ?? '');
}
