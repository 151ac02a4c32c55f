// iOS certificate upload through the GraphQL multipart request spec: real .p12 files, opened with
// their password before anything is sent to JPush Admin; plain curl -F works too.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App, Certificate } from '../../src/generated/graphql.js';
import { type GraphQLBody, type Harness, startHarness } from '../helpers/harness.js';
import { buildFixtures, type Fixtures } from '../push/fixtures.js';

let h: Harness;
let fx: Fixtures;
let appKey: string;
beforeAll(async () => {
  h = await startHarness();
  fx = buildFixtures();
  appKey = h.emulator.apps[1]!.appKey;
});
afterAll(async () => {
  fx.cleanup();
  await h.close();
});
beforeEach(() => {
  h.emulator.resetCalls();
  h.emulator.clearFaults();
});

const UPLOAD = `mutation Upload($appKey: ID!, $dev: CertificateFileInput, $pro: CertificateFileInput) {
  uploadCertificate(appKey: $appKey, development: $dev, production: $pro) {
    uploaded { environment subject bundleId topics notBefore notAfter sha256 }
    app { appKey certificates { environment sha256 } }
  }
}`;

/** What UPLOAD answers (DateTime values arrive as ISO strings). */
type UploadData = {
  uploadCertificate: {
    uploaded: (Pick<Certificate, 'environment' | 'subject' | 'bundleId' | 'topics' | 'sha256'> & { notBefore: string; notAfter: string })[];
    app: Pick<App, 'appKey'> & { certificates: Pick<Certificate, 'environment' | 'sha256'>[] };
  };
};

/** A GraphQL multipart request (operations, map, files) as a browser's upload link sends it. */
async function upload(
  target: string,
  files: { dev?: { file: Buffer; password: string }; pro?: { file: Buffer; password: string } },
  options: { token?: string; preflight?: boolean } = {},
): Promise<{ status: number; body: GraphQLBody<UploadData> }> {
  const form = new FormData();
  const variables: Record<string, unknown> = { appKey: target };
  const map: Record<string, string[]> = {};
  const parts: [string, Buffer][] = [];
  for (const [name, spec] of Object.entries(files)) {
    if (!spec) continue;
    variables[name] = { file: null, password: spec.password };
    map[String(parts.length)] = [`variables.${name}.file`];
    parts.push([String(parts.length), spec.file]);
  }
  form.append('operations', JSON.stringify({ query: UPLOAD, variables }));
  form.append('map', JSON.stringify(map));
  for (const [key, file] of parts) form.append(key, new Blob([file], { type: 'application/x-pkcs12' }), `${key}.p12`);
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? h.tokens.admin}` };
  if (options.preflight !== false) headers['apollo-require-preflight'] = 'true';
  const res = await fetch(h.gateway.graphqlUrl, { method: 'POST', headers, body: form });
  return { status: res.status, body: (await res.json()) as GraphQLBody<UploadData> };
}

const uploadCalls = () => h.emulator.countCalls({ service: 'push-admin', pathPattern: '/certificate$' });

describe('uploadCertificate', () => {
  it('opens the .p12, uploads it and reports what it is', async () => {
    const r = await upload(appKey, { dev: { file: fx.p12, password: fx.password } });
    expect(r.body.errors).toBeUndefined();
    const [cert] = r.body.data!.uploadCertificate.uploaded;
    expect(cert).toMatchObject({ environment: 'DEVELOPMENT', bundleId: 'com.example.demo', topics: ['com.example.demo', 'com.example.demo.voip'] });
    expect(cert!.subject).toMatch(/^UID=com\.example\.demo, CN=Apple Development IOS Push Services/);
    expect(Date.parse(cert!.notAfter)).toBeGreaterThan(Date.now());
    expect(h.emulator.certificates(appKey)).toEqual([expect.objectContaining({ environment: 'development', sha256: cert!.sha256, size: fx.p12.length })]);
    expect(r.body.data!.uploadCertificate.app.certificates).toEqual([{ environment: 'DEVELOPMENT', sha256: cert!.sha256 }]);
    expect(JSON.stringify(r.body)).not.toContain(fx.password);
    expect(h.logs.join('\n')).not.toContain(fx.password);
  });

  it('a second certificate for the same environment is a CONFLICT (JPush 1010)', async () => {
    const r = await upload(appKey, { dev: { file: fx.legacyP12, password: fx.password } });
    expect(r.body.errors![0]!.extensions!.code).toBe('CONFLICT');
    expect(r.body.errors![0]!.extensions!.jiguang).toMatchObject({ service: 'push-admin', businessCode: 1010, httpStatus: 200 });
  });

  it('uploads production alongside, and App.certificates lists both', async () => {
    const r = await upload(appKey, { pro: { file: fx.p12, password: fx.password } });
    expect(r.body.errors).toBeUndefined();
    const listed = await h.gql<{ app: { certificates: Pick<Certificate, 'environment' | 'bundleId'>[] } }>(
      `{ app(appKey: "${appKey}") { certificates { environment bundleId } } }`,
    );
    expect(listed.body.data!.app.certificates).toEqual([
      { environment: 'DEVELOPMENT', bundleId: 'com.example.demo' },
      { environment: 'PRODUCTION', bundleId: 'com.example.demo' },
    ]);
  });

  it.each([
    ['a wrong password', () => ({ file: fx.p12, password: 'wrong' }), /password is wrong/, 'development.password'],
    ['a PEM file instead of a .p12', () => ({ file: fx.pem, password: fx.password }), /not a PKCS#12/, 'development.file'],
    ['a .p12 without its key', () => ({ file: fx.noKeyP12, password: fx.password }), /no private key/, 'development.file'],
    ['an expired certificate', () => ({ file: fx.expiredP12, password: fx.password }), /expired on 2021-01-01/, 'development.file'],
    ['random bytes over 64 KiB', () => ({ file: randomBytes(70 * 1024), password: 'x' }), /larger than 64 KiB/, 'development.file'],
  ])('refuses %s with BAD_USER_INPUT and sends nothing', async (_name, spec, message, argument) => {
    const other = h.emulator.apps[0]!.appKey;
    const r = await upload(other, { dev: spec() });
    expect(r.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.message).toMatch(message);
    expect(r.body.errors![0]!.extensions!.argument).toBe(argument);
    expect(uploadCalls()).toBe(0);
    expect(h.emulator.certificates(other)).toEqual([]);
  });

  it('one bad file of two sends neither', async () => {
    const other = h.emulator.apps[0]!.appKey;
    const r = await upload(other, { dev: { file: fx.p12, password: fx.password }, pro: { file: fx.p12, password: 'wrong' } });
    expect(r.body.errors![0]!.extensions!.argument).toBe('production.password');
    expect(uploadCalls()).toBe(0);
  });

  it('a multipart body that ends inside its file is 400 BAD_REQUEST, and nothing is sent', async () => {
    const operations = JSON.stringify({
      query: 'mutation($appKey: ID!, $file: Upload!) { uploadCertificate(appKey: $appKey, development: { file: $file, password: "x" }) { uploaded { environment } } }',
      variables: { appKey, file: null },
    });
    const part = (name: string, extra = '') => `--XyZ\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n`;
    const body = `${part('operations')}${operations}\r\n${part('map')}{"0":["variables.file"]}\r\n${part('0', '; filename="a.p12"')}${fx.p12.subarray(0, 100).toString('latin1')}`;
    const res = await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.admin}`, 'apollo-require-preflight': 'true', 'content-type': 'multipart/form-data; boundary=XyZ' },
      body: Buffer.from(body, 'latin1'),
    });
    const answer = (await res.json()) as GraphQLBody;
    expect(res.status).toBe(400);
    expect(answer.errors!.map((e) => e.extensions!.code)).toEqual(['BAD_REQUEST']);
    expect(uploadCalls()).toBe(0);
  });

  it('refuses a multipart request without the CSRF preflight header', async () => {
    const r = await upload(appKey, { dev: { file: fx.p12, password: fx.password } }, { preflight: false });
    expect(r.status).toBe(400);
    expect(r.body.errors![0]!.message).toMatch(/apollo-require-preflight/);
    expect(uploadCalls()).toBe(0);
  });

  it('refuses a reader with FORBIDDEN and sends nothing', async () => {
    const r = await upload(appKey, { dev: { file: fx.p12, password: fx.password } }, { token: h.tokens.reader });
    expect(r.status).toBe(403);
    expect(r.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(uploadCalls()).toBe(0);
  });

  // Asynchronous: the gateway answering curl runs in this same process.
  it.skipIf(!existsSync('/usr/bin/curl'))('works with plain curl -F, as the README shows', async () => {
    const file = join(fx.dir, 'upload.p12');
    writeFileSync(file, fx.p12);
    const target = h.emulator.apps[2]!.appKey;
    const operations = JSON.stringify({
      query: `mutation($appKey: ID!, $file: Upload!) { uploadCertificate(appKey: $appKey, production: { file: $file, password: "${fx.password}" }) { uploaded { environment bundleId } } }`,
      variables: { appKey: target, file: null },
    });
    const { stdout: out } = await promisify(execFile)(
      '/usr/bin/curl',
      [
        '-sS',
        h.gateway.graphqlUrl,
        '-H',
        `authorization: Bearer ${h.tokens.admin}`,
        '-H',
        'apollo-require-preflight: true',
        '-F',
        `operations=${operations}`,
        '-F',
        'map={"0": ["variables.file"]}',
        '-F',
        `0=@${file}`,
      ],
      { encoding: 'utf8', timeout: 15_000 },
    );
    const body = JSON.parse(out) as { data?: unknown; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ uploadCertificate: { uploaded: [{ environment: 'PRODUCTION', bundleId: 'com.example.demo' }] } });
  });
});
