// The whole story of an app with a FILE registry and gateway restarts in the middle: create it, query
// its links, ask for one-tap login, restart, receive Jiguang's review at the new process, restart
// again, delete it. One emulator plays Jiguang throughout; the gateway keeps one port, so the
// callback URL handed to Jiguang before the restart stays valid after it.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient } from '../../client/index.js';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { hashToken, newToken } from '../../src/auth/callers.js';
import { type GatewayConfig, loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import type { App, Certificate, CreateAppPayload, DeleteAppPayload, ShortLink, ShortLinkConnection, VerificationState } from '../../src/generated/graphql.js';
import { type RunningGateway, startGateway } from '../../src/inbound/server.js';
import { type AppRegistry, openFileRegistry } from '../../src/registry/index.js';
import { buildFixtures } from '../push/fixtures.js';

/** How long Jiguang "reviews": long enough that the result is posted after the restart. */
const REVIEW_DELAY_MS = 2_500;

let emulator: Emulator;
let dir: string;
let registryFile: string;
const registryKey = randomBytes(32);
const adminToken = newToken();
const readerToken = newToken();
let config: GatewayConfig;
const logs: string[] = [];

interface Running {
  gateway: RunningGateway;
  registry: AppRegistry;
  admin: GatewayClient;
  reader: GatewayClient;
  close(): Promise<void>;
}
let current: Running | undefined;

/** A port free right now (bound on 0, read, released), so both gateway processes can use it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One gateway "process": the registry file opened afresh and a new server on the fixed port. */
async function boot(): Promise<Running> {
  const registry = await openFileRegistry({ path: registryFile, key: registryKey });
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const gateway = await startGateway({ config, registry, logger });
  return {
    gateway,
    registry,
    admin: createGatewayClient({ url: gateway.graphqlUrl, token: adminToken }),
    reader: createGatewayClient({ url: gateway.graphqlUrl, token: readerToken }),
    async close() {
      await gateway.close();
      await registry.close();
    },
  };
}

async function restart(): Promise<Running> {
  await current!.close();
  current = await boot();
  return current;
}

beforeAll(async () => {
  emulator = await startEmulator({ verificationReviewDelayMs: REVIEW_DELAY_MS });
  dir = await mkdtemp(join(tmpdir(), 'gateway-lifecycle-'));
  registryFile = join(dir, 'registry.json');
  const loaded = loadConfig({
    GATEWAY_TOKENS: JSON.stringify([
      { name: 'lifecycle-admin', sha256: hashToken(adminToken), role: 'admin' },
      { name: 'lifecycle-reader', sha256: hashToken(readerToken), role: 'reader' },
    ]),
    JIGUANG_DEV_KEY: emulator.developer.devKey,
    JIGUANG_DEV_SECRET: emulator.developer.devSecret,
    GATEWAY_REGISTRY_KEY: registryKey.toString('hex'),
    GATEWAY_REGISTRY_FILE: registryFile,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    JIGUANG_JMLINK_URL: emulator.url,
    JIGUANG_PORTRAIT_URL: emulator.url,
    JIGUANG_PUSH_ADMIN_URL: emulator.url,
    JIGUANG_VERIFICATION_ADMIN_URL: emulator.url,
    JIGUANG_GROWTH_URL: emulator.url,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  config = loaded.config;
  current = await boot();
});

afterAll(async () => {
  await current?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const CREATE = `mutation($p: String!) { createApp(input: { name: "Lifecycle Shop", androidPackage: $p }) { app { appKey name } newlyCreated masterSecret secretStored } }`;
const LINKS = `query($k: ID!) { app(appKey: $k) { name shortLinks(first: 3) { totalCount nodes { key } } } }`;
const STATUS = `query($k: ID!) { app(appKey: $k) { oneTapLogin(platform: ANDROID) { state requestedAt lastCallback { code receivedAt } } } }`;
const ENABLE = `mutation($input: EnableOneTapLoginInput!) { enableOneTapLogin(input: $input) { state requestedAt } }`;

/** What the documents above answer (DateTime values arrive as ISO strings). */
type Created = { createApp: Required<Pick<CreateAppPayload, 'newlyCreated' | 'masterSecret' | 'secretStored'>> & { app: Pick<App, 'appKey' | 'name'> } };
type Links = { app: Pick<App, 'name'> & { shortLinks: Pick<ShortLinkConnection, 'totalCount'> & { nodes: Pick<ShortLink, 'key'>[] } } };
type OneTap = { state: VerificationState; requestedAt: string | null; lastCallback: { code: number; receivedAt: string } | null };
type Enabled = { enableOneTapLogin: Pick<OneTap, 'state' | 'requestedAt'> };

async function links(run: Running, appKey: string) {
  const r = await run.reader.executeText<Links>(LINKS, { k: appKey });
  expect(r.errors).toBeUndefined();
  expect(r.data!.app.name).toBe('Lifecycle Shop');
  expect(typeof r.data!.app.shortLinks.totalCount).toBe('number');
  return r.data!.app.shortLinks;
}

async function oneTap(run: Running, appKey: string): Promise<OneTap> {
  const r = await run.reader.executeText<{ app: { oneTapLogin: OneTap } }>(STATUS, { k: appKey });
  expect(r.errors).toBeUndefined();
  return r.data!.app.oneTapLogin;
}

it('create → links → certificate → one-tap login → restart → review arrives → restart → delete → restart', { timeout: 30_000 }, async () => {
  const port = new URL(current!.gateway.url).port;

  // 1. Create the app: stored in the registry file, with its secret, before the answer.
  const created = await current!.admin.executeText<Created>(CREATE, { p: 'com.example.lifecycle' });
  expect(created.errors).toBeUndefined();
  expect(created.data!.createApp).toMatchObject({ newlyCreated: true, secretStored: true });
  const { appKey } = created.data!.createApp.app;
  const masterSecret: string = created.data!.createApp.masterSecret!;
  const file = await readFile(registryFile, 'utf8');
  expect(file).toContain(appKey);
  expect(file).not.toContain(masterSecret); // encrypted at rest

  // 2. Its links query against Jiguang at once.
  const linksBefore = await links(current!, appKey);

  // 2b. Upload its iOS development certificate (a real .p12, GraphQL multipart request).
  const fx = buildFixtures();
  try {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query:
          'mutation($appKey: ID!, $file: Upload!, $password: String!) { uploadCertificate(appKey: $appKey, development: { file: $file, password: $password }) { uploaded { environment sha256 } } }',
        variables: { appKey, file: null, password: fx.password },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([fx.p12]), 'dev.p12');
    const res = await fetch(current!.gateway.graphqlUrl, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'apollo-require-preflight': 'true' }, body: form });
    const uploaded = ((await res.json()) as { data: { uploadCertificate: { uploaded: Pick<Certificate, 'environment' | 'sha256'>[] } } }).data.uploadCertificate.uploaded;
    expect(uploaded).toEqual([{ environment: 'DEVELOPMENT', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(emulator.certificates(appKey)).toHaveLength(1);
  } finally {
    fx.cleanup();
  }

  // 3. Ask for one-tap login: pending, with the gateway's callback URL handed to Jiguang.
  const rsaPublicKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const enabled = await current!.admin.executeText<Enabled>(ENABLE, {
    input: {
      appKey,
      platform: 'ANDROID',
      packageName: 'com.example.lifecycle',
      appSign: 'abcdef0123456789abcdef0123456789',
      category: 'APPLICATION',
      appIntro: 'Lifecycle Shop sells things to people; this introduction is long enough for Jiguang to review it.',
      rsaPublicKey,
    },
  });
  expect(enabled.errors).toBeUndefined();
  expect(enabled.data!.enableOneTapLogin.state).toBe('PENDING');
  const requestedAt: string = enabled.data!.enableOneTapLogin.requestedAt!;
  const callbackUrl = (emulator.calls.find((c) => c.path === '/v1/admin/open')!.body as { callback_url: string }).callback_url;
  expect(callbackUrl.startsWith(`http://127.0.0.1:${port}/callbacks/jverification/`)).toBe(true);

  // 4. Restart before Jiguang decides.
  let run = await restart();
  expect(emulator.callbacks).toEqual([]); // the review is still running: the old process got nothing
  expect(new URL(run.gateway.url).port).toBe(port);
  expect(await run.registry.get(appKey)).toMatchObject({ name: 'Lifecycle Shop', androidPackage: 'com.example.lifecycle', source: 'created' });
  expect(await run.registry.secretOf(appKey)).toBe(masterSecret);
  expect(await links(run, appKey)).toEqual(linksBefore);
  expect(await oneTap(run, appKey)).toEqual({ state: 'PENDING', requestedAt, lastCallback: null });
  const certificates = await run.reader.executeText<{ app: { certificates: Pick<Certificate, 'environment' | 'bundleId'>[] } }>(
    `{ app(appKey: "${appKey}") { certificates { environment bundleId } } }`,
  );
  expect(certificates.data!.app.certificates).toEqual([{ environment: 'DEVELOPMENT', bundleId: 'com.example.demo' }]);

  // 5. The review result reaches the new process, at the URL handed out before the restart.
  const deadline = Date.now() + REVIEW_DELAY_MS + 5_000;
  let status = await oneTap(run, appKey);
  while (!status.lastCallback) {
    if (Date.now() > deadline) throw new Error(`no review callback in time (emulator deliveries: ${JSON.stringify(emulator.callbacks)})`);
    await new Promise((r) => setTimeout(r, 100));
    status = await oneTap(run, appKey);
  }
  expect(status).toMatchObject({ state: 'PASS', requestedAt, lastCallback: { code: 2001 } });
  expect(emulator.callbacks).toEqual([{ url: callbackUrl, body: { app_key: appKey, platform: 'a', code: 2001 }, status: 200 }]);

  // 6. Still true after another restart (the callback was stored durably).
  run = await restart();
  expect(await oneTap(run, appKey)).toEqual(status);
  // The callback token survived both restarts too: a repeat delivery at the old URL is still accepted.
  const repeat = await fetch(callbackUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_key: appKey, platform: 'a', code: 2001 }),
  });
  expect(repeat.status).toBe(200);
  expect(await oneTap(run, appKey)).toEqual(status);

  // 7. Delete: gone from the registry, and from the file after another restart.
  const deleted = await run.admin.executeText<{ deleteApp: Pick<DeleteAppPayload, 'appKey' | 'deleted'> }>(`mutation($k: ID!) { deleteApp(appKey: $k) { appKey deleted } }`, {
    k: appKey,
  });
  expect(deleted.errors).toBeUndefined();
  expect(deleted.data!.deleteApp).toEqual({ appKey, deleted: true });
  expect(await run.registry.get(appKey)).toBeUndefined();
  run = await restart();
  expect(await run.registry.get(appKey)).toBeUndefined();
  expect(await run.registry.secretOf(appKey)).toBeUndefined();
  const apps = await run.reader.executeText<{ apps: Pick<App, 'appKey'>[] }>('{ apps { appKey } }');
  expect(apps.data!.apps.map((a) => a.appKey)).not.toContain(appKey);
  const gone = await run.reader.executeText(LINKS, { k: appKey });
  expect(gone.errors!.map((e) => e.extensions!.code)).toEqual(['NOT_FOUND']);
  expect(JSON.parse(await readFile(registryFile, 'utf8')).apps).not.toHaveProperty(appKey);
});
