// The reference check: before anything is measured, every request is sent once to the gateway and
// once to the raw proxy, and the two bodies must be byte-identical (and free of GraphQL errors) —
// otherwise the proxy is not doing the gateway's work and the comparison would mean nothing. The
// gateway's `extensions.cost` (what the answer cost; the proxy knows no such thing) is left out.
import type { Server, Upstream } from './servers.js';

export interface Case {
  name: string;
  body: string;
}

/** Checks every case; returns the upstream calls the proxy made per case, alone (when its upstream is given). */
export async function checkReference(gateway: Server, proxy: Server, token: string, cases: Case[], proxyUpstream?: Upstream): Promise<number> {
  let calls = 0;
  for (const c of cases) {
    const g = await ask(gateway, c.body, token);
    await proxyUpstream?.resetCalls();
    const p = await ask(proxy, c.body, token);
    calls += (await proxyUpstream?.count()) ?? 0;
    if (g.status !== 200 || g.text.includes('"errors":')) throw new ReferenceMismatch(c.name, `the gateway answered HTTP ${g.status}: ${g.text.slice(0, 600)}`);
    const answer = withoutCost(g.text);
    if (answer !== p.text) throw new ReferenceMismatch(c.name, difference(answer, p.text));
  }
  return cases.length > 0 ? calls / cases.length : 0;
}

async function ask(server: Server, body: string, token: string): Promise<{ status: number; text: string }> {
  const res = await fetch(server.urls[0]!, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  return { status: res.status, text: await res.text() };
}

/** The gateway's answer without its trailing `"extensions":{"cost":…}` (when that is its only extension). */
export function withoutCost(text: string): string {
  const at = text.lastIndexOf(',"extensions":{"cost":');
  if (at < 0) return text;
  // Apollo ends a body with a newline: the object closes before it.
  const end = text.trimEnd().length;
  const tail = JSON.parse(text.slice(at + ',"extensions":'.length, end - 1)) as Record<string, unknown>;
  return Object.keys(tail).length === 1 ? `${text.slice(0, at)}}${text.slice(end)}` : text;
}

function difference(gateway: string, proxy: string): string {
  let at = 0;
  while (at < gateway.length && gateway[at] === proxy[at]) at++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, at - 100), at + 100));
  return `the gateway and the raw proxy answered differently (${gateway.length} and ${proxy.length} bytes, first difference at byte ${at}):\n    gateway: …${around(gateway)}…\n    proxy:   …${around(proxy)}…`;
}

export class ReferenceMismatch extends Error {
  constructor(scenario: string, detail: string) {
    super(`reference check failed for "${scenario}": ${detail}`);
    this.name = 'ReferenceMismatch';
  }
}
