// No response and no log line may contain a master secret, a dev secret or an Authorization header,
// whatever happens upstream.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: {
      UPSTREAM_TIMEOUT_MS: '300',
      JIGUANG_DEV_KEY: 'devkey-for-tests',
      JIGUANG_DEV_SECRET: 'dev-secret-0123456789abcdef',
      GATEWAY_REGISTRY_KEY: randomBytes(32).toString('hex'),
    },
  });
});
afterAll(() => h.close());

it('never shows a secret in a response or a log line, in success or failure', async () => {
  const queries = h.emulator.apps.map(
    (a) => `{ app(appKey: "${a.appKey}") { name shortLinks(first: 5) { nodes { key stats(from: "2025-01-01", to: "2025-01-10") { totals { clicks } } } }
              portraitTags(subject: { idType: IMEI, value: "861234567890123" }) { tags { code score } } } }`,
  );
  const faults = [
    {},
    { kind: 'business', code: 3002 },
    { kind: 'business', code: '6002' },
    { kind: 'malformed' },
    { kind: 'timeout' },
    { kind: 'reset' },
    { kind: 'status', status: 500 },
  ] as const;
  for (const fault of faults) {
    h.emulator.clearFaults();
    if ('kind' in fault) h.emulator.injectFault({ ...fault });
    for (const q of queries) await h.gql(q);
  }
  h.emulator.clearFaults();
  await h.gql('{ app(appKey: "nope") { name } }');
  await h.gql('{ syntax error');

  const secrets = [...h.emulator.apps.map((a) => a.masterSecret), 'dev-secret-0123456789abcdef'];
  const authHeaders = h.emulator.apps.map((a) => Buffer.from(`${a.appKey}:${a.masterSecret}`).toString('base64'));
  const everything = [...h.responses, ...h.logs];
  expect(h.responses.length).toBeGreaterThan(20);
  expect(h.logs.length).toBeGreaterThan(20);
  for (const text of everything) {
    for (const s of [...secrets, ...authHeaders]) expect(text).not.toContain(s);
    expect(text).not.toMatch(/authorization"\s*:\s*"Basic/i);
    expect(text).not.toMatch(/Basic [A-Za-z0-9+/=]{16,}/);
  }
  // And the emulator did receive the real credentials: the scan looked for the right strings.
  expect(h.emulator.calls.some((c) => c.headers.authorization === `Basic ${authHeaders[0]}`)).toBe(true);
});
