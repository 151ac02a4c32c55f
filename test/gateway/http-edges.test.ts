// The HTTP edges a hostile or careless client reaches before any GraphQL: malformed request targets,
// oversize bodies (declared or chunked), refused requests, slow clients and the server's timeouts.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { getIntrospectionQuery } from 'graphql';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type GraphQLBody, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let port: number;
beforeAll(async () => {
  h = await startHarness({ env: { GATEWAY_MAX_BODY_BYTES: '65536', GATEWAY_HEADERS_TIMEOUT_MS: '1000', GATEWAY_REQUEST_TIMEOUT_MS: '2000' } });
  port = Number(new URL(h.gateway.url).port);
});
afterAll(() => h.close());

/** Sends raw bytes and returns everything the server answered until it closed (or `waitMs` passed). */
function raw(bytes: string | Buffer, waitMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, waitMs);
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (answer) resolve(answer);
      else reject(error);
    });
    socket.write(bytes);
  });
}

describe('malformed request targets', () => {
  it.each(['//[', '///', 'http://[::1', '*', '//evil.example/graphql', '/graph ql'])('%s: 400 BAD_REQUEST and no error in the log', async (target) => {
    const before = h.logs.length;
    const answer = await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    if (answer.includes('{')) expect(answer).toContain('"BAD_REQUEST"');
    expect(h.logs.slice(before).filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});

describe('oversize bodies', () => {
  const big = Buffer.alloc(200_000, 'a');
  const upload = () => {
    const boundary = 'xx-boundary';
    const operations = JSON.stringify({
      query: 'mutation($f: Upload!) { uploadCertificate(appKey: "x", development: { file: $f, password: "p" }) { uploaded { sha256 } } }',
      variables: { f: null },
    });
    return Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="c.p12"\r\nContent-Type: application/x-pkcs12\r\n\r\n`,
      ),
      big,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
  };

  it('20 oversize uploads through undici get 20 clear 413 answers, never a reset', async () => {
    const body = upload();
    for (let i = 0; i < 20; i++) {
      const res = await request(h.gateway.graphqlUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens.admin}`, 'apollo-require-preflight': 'true', 'content-type': 'multipart/form-data; boundary=xx-boundary' },
        body,
      });
      expect(res.statusCode).toBe(413);
      expect(((await res.body.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    }
  });

  it('a chunked JSON body over the limit gets 413, not a reset', async () => {
    async function* chunks() {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(20_000, ' ');
    }
    const res = await request(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.reader}`, 'content-type': 'application/json' },
      body: Readable.from(chunks()),
    });
    expect(res.statusCode).toBe(413);
    expect(((await res.body.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('a declared length over the limit gets 413 through fetch too', async () => {
    const res = await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.reader}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ apps { name } }', pad: 'x'.repeat(100_000) }),
    });
    expect(res.status).toBe(413);
  });
});

describe('refused requests read nothing of their body', () => {
  /** Sends headers promising a large body, then a little of it; returns the answer and how long the server kept the socket. */
  async function promiseLargeBody(path: string, authorization: string | null): Promise<{ answer: string; closedAfterMs: number }> {
    const started = Date.now();
    const answer = await raw(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n${'x'.repeat(1000)}`,
      5_000,
    );
    return { answer, closedAfterMs: Date.now() - started };
  }

  it('no token: 401 at once, and the connection is closed without waiting for the 50 MB', async () => {
    const { answer, closedAfterMs } = await promiseLargeBody('/graphql', null);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(closedAfterMs).toBeLessThan(3_000);
  });

  it('a wrong review-callback token: 404, connection closed, nothing read', async () => {
    const { answer, closedAfterMs } = await promiseLargeBody('/callbacks/jverification/not-the-token', null);
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(closedAfterMs).toBeLessThan(3_000);
  });
});

describe('timeouts and limits of the server', () => {
  it('takes its timeouts and connection cap from the configuration', () => {
    expect(h.gateway.server.headersTimeout).toBe(1000);
    expect(h.gateway.server.requestTimeout).toBe(2000);
    expect(h.gateway.server.maxConnections).toBe(1024);
  });

  it('a client that never finishes its headers is cut off after GATEWAY_HEADERS_TIMEOUT_MS', async () => {
    const started = Date.now();
    await raw('POST /graphql HTTP/1.1\r\nHost: x\r\n', 6_000);
    expect(Date.now() - started).toBeLessThan(4_500);
  });

  it('a body that trickles in is cut off after GATEWAY_REQUEST_TIMEOUT_MS', async () => {
    const started = Date.now();
    const answer = await raw(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.tokens.reader}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`,
      8_000,
    );
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(answer === '' || /^HTTP\/1\.1 408 /.test(answer)).toBe(true);
  });

  it('a document nested past the stack is refused with 400, not 500', async () => {
    const deep = `${'{ apps '.repeat(3_000)}{ name }${' }'.repeat(3_000)}`;
    const r = await h.gql(deep);
    expect(r.status).toBe(400);
    expect(r.body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.body.errors![0]!.extensions!.limit).toBe('nesting');
  });

  it('variables or extensions nested past the limit are refused with 400 BAD_USER_INPUT (POST and GET), not 500', async () => {
    const deep = `${'['.repeat(5_000)}1${']'.repeat(5_000)}`; // JSON text: too deep to build and stringify here
    const send = async (init: { body?: string; search?: string }) => {
      const res = await fetch(h.gateway.graphqlUrl + (init.search ?? ''), {
        method: init.body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${h.tokens.reader}`, 'content-type': 'application/json', 'apollo-require-preflight': 'true' },
        ...(init.body ? { body: init.body } : {}),
      });
      return { status: res.status, body: (await res.json()) as GraphQLBody };
    };
    const refusedAs = (r: { status: number; body: GraphQLBody }, name: string) => {
      expect(r.status).toBe(400);
      expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'nesting' });
      expect(r.body.errors![0]!.message).toContain(name);
    };
    refusedAs(await send({ body: `{"query":"{ __typename }","variables":{"unused":${deep}}}` }), 'variables');
    refusedAs(await send({ body: `{"query":"{ __typename }","extensions":{"x":${deep}}}` }), 'extensions');
    const variables = `{"a":"[{","b":${'['.repeat(65)}${']'.repeat(65)}}`;
    refusedAs(await send({ search: `?query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(variables)}` }), 'variables');
    // Checked before a persisted document id is resolved (the built-in introspection id always is one).
    const hash = createHash('sha256').update(getIntrospectionQuery()).digest('hex');
    const extensions = `{"persistedQuery":{"version":1,"sha256Hash":"${hash}"},"x":${deep}}`;
    // Brackets left as they are, so the 5,000 levels fit in a request target (encoded they would not).
    refusedAs(await send({ search: `?extensions=${encodeURIComponent(extensions).replaceAll('%5B', '[').replaceAll('%5D', ']')}` }), 'extensions');
    // At the limit (brackets inside strings do not count) the request runs.
    let ok: unknown = '[[[{{{';
    for (let i = 0; i < 63; i++) ok = [ok];
    expect((await h.gql('{ __typename }', { ok })).status).toBe(200);
  });

  it('a subscription, which this schema does not offer, is a 400 validation error', async () => {
    const r = await h.gql('subscription { __typename }');
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(r.body.errors![0]!.message).toMatch(/does not support subscription/);
  });
});
