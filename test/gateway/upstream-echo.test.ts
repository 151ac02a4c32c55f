// Nothing an upstream echoes reaches a client or a log line: a scripted upstream answers every call of
// every service with the call's own credentials — the Authorization header, the raw secret, their
// base64 forms — in every field of its answer (business code, message, request id, nested data), at
// the HTTP statuses Jiguang fails with. Reads and writes of all five services go through it, and every
// response byte and every log line is searched for each form.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient } from '../../client/index.js';
import { assertKnownCodes, type Harness, startHarness } from '../helpers/harness.js';

/** Which of the call's credential forms goes into every field of the next answers. */
type Form = 'header' | 'pair64' | 'secret' | 'secret64' | 'all';
let form: Form = 'header';
let status = 401;
/** Every form of every credential the gateway sent, as seen by the upstream. */
const seen = new Set<string>();
let upstream: Server;
let h: Harness;
let admin: GatewayClient;

function formsOf(req: IncomingMessage): Record<Exclude<Form, 'all'>, string> {
  const header = String(req.headers.authorization ?? '');
  const pair64 = header.replace(/^Basic /, '');
  const pair = Buffer.from(pair64, 'base64').toString('utf8');
  const secret = pair.slice(pair.indexOf(':') + 1);
  return { header, pair64, secret, secret64: Buffer.from(secret).toString('base64') };
}

function echo(req: IncomingMessage): string {
  const forms = formsOf(req);
  for (const value of Object.values(forms)) seen.add(value);
  const value = form === 'all' ? Object.values(forms).join(' ') : forms[form];
  const nested = { echo: value, list: [value, { deeper: value }] };
  return JSON.stringify({
    code: value,
    msg: value,
    message: value,
    content: value,
    requestId: value,
    request_id: value,
    error: { code: value, message: value, requestId: value, data: nested },
    data: nested,
  });
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(echo(req));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  h = await startHarness({
    env: { JIGUANG_JMLINK_URL: url, JIGUANG_PORTRAIT_URL: url, JIGUANG_PUSH_ADMIN_URL: url, JIGUANG_VERIFICATION_ADMIN_URL: url, JIGUANG_GROWTH_URL: url },
  });
  admin = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens.admin });
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => upstream.close(resolve));
});

const ENABLE_INPUT = (appKey: string) => ({
  appKey,
  platform: 'ANDROID',
  packageName: 'com.example.echo',
  appSign: '0123456789abcdef0123456789abcdef',
  category: 'APPLICATION',
  appIntro: 'A shopping app for small stores: browse the catalogue, order, pay and follow deliveries in one place.',
  rsaPublicKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
});

/** A read and, where the service has one, a write: each makes at least one call. */
const DOCUMENTS = (appKey: string): [string, string][] => [
  ['jmlink', `{ app(appKey: "${appKey}") { shortLinks(first: 1) { totalCount } } }`],
  ['portrait', `{ app(appKey: "${appKey}") { portraitTags(subject: { idType: OAID, value: "oaid-1" }) { found } } }`],
  ['verification-admin read', `{ app(appKey: "${appKey}") { oneTapLogin(platform: ANDROID) { state } } }`],
  ['verification-admin write', 'mutation($input: EnableOneTapLoginInput!) { enableOneTapLogin(input: $input) { state } }'],
  ['push-admin', 'mutation { createApp(input: { name: "Echo", androidPackage: "com.example.echo" }) { newlyCreated } }'],
  ['growth read', '{ growthUser(identityName: "phone", value: "13800000000") { cuid } }'],
  ['growth write', 'mutation { setGrowthUserAttributes(cuid: "42", attributes: [{ name: "vip", value: { boolean: true } }]) { cuid } }'],
];

describe('an upstream that echoes the call’s credentials in every field', () => {
  it('leaks them into no response and no log line, for every service, status and form', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    const bodies: string[] = [];
    let failures = 0;
    for (const s of [200, 400, 401, 403, 429, 500]) {
      for (const f of ['header', 'pair64', 'secret', 'secret64', 'all'] as const) {
        [status, form] = [s, f];
        for (const [, document] of DOCUMENTS(appKey)) {
          await h.resetTraffic();
          const r = await admin.executeText(document, { input: ENABLE_INPUT(appKey) });
          assertKnownCodes(r);
          failures += r.errors?.length ?? 0;
          bodies.push(JSON.stringify(r));
        }
      }
    }
    // Every call failed, and each failure was reported (so the answers were read, not ignored).
    expect(failures).toBeGreaterThanOrEqual(6 * 5 * DOCUMENTS(appKey).length);
    // The developer secret, the Growth project secret and the app's master secret all went out.
    const secrets = [h.config.devCredentials!.password, h.config.growthCredentials!.password, h.emulator.apps[0]!.masterSecret];
    for (const secret of secrets) expect(seen).toContain(secret);
    const text = `${bodies.join('\n')}\n${h.logs.join('\n')}`;
    for (const value of seen) expect(text, `a credential form leaked: ${value.slice(0, 8)}…`).not.toContain(value);
  });

  it('a business code or request id that is a short token is passed on; anything else is null', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    status = 401;
    form = 'secret';
    const r = await admin.executeText(DOCUMENTS(appKey)[0]![1]);
    const jiguang = r.errors![0]!.extensions!.jiguang as { businessCode: unknown; upstreamRequestId?: unknown; upstreamMessage: unknown };
    expect(jiguang.businessCode).toBeNull();
    expect(jiguang.upstreamRequestId).toBeUndefined();
    expect(jiguang.upstreamMessage).toBe('[REDACTED]');
  });
});
