// The typed client's transport: the platform's fetch (or one given to it), lower-cased plain headers,
// a clear result for answers that are not GraphQL (a proxy's HTML 502, a plain-text 413), and
// cancellation through a signal. No gateway: a small HTTP server answers what each case needs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppsDocument, createGatewayClient, type FetchLike, type GatewayResult } from '../../client/index.js';

let server: Server;
let base = '';
const hanging = new Set<ServerResponse>();

const ROUTES: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/proxy-502': (_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end(`<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>${' '.repeat(1000)}</body></html>`);
  },
  '/plain-413': (_req, res) => {
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('request entity too large\n');
  },
  '/empty-200': (_req, res) => {
    res.writeHead(200);
    res.end();
  },
  '/json-not-graphql': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  },
  '/graphql': (_req, res) => {
    res.setHeader('x-twice', ['one', 'two']);
    res.writeHead(200, { 'content-type': 'application/graphql-response+json', 'X-Request-Id': 'abc' });
    res.end(JSON.stringify({ data: { apps: [] }, extensions: { cost: { upstreamCalls: 0 } } }));
  },
  '/hang': (_req, res) => {
    hanging.add(res);
  },
};

beforeAll(async () => {
  server = createServer((req, res) => ROUTES[req.url ?? '']!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const run = (path: string): Promise<GatewayResult<unknown>> => createGatewayClient({ url: `${base}${path}` }).executeText('{ apps { name } }');

it('gives an answer that is not a GraphQL response as a result with its status and one clear error, never a parse exception', async () => {
  const html = await run('/proxy-502');
  expect(html.status).toBe(502);
  expect(html.data).toBeUndefined();
  expect(html.errors).toHaveLength(1);
  expect(html.errors![0]!.message).toBe('The answer (HTTP 502, text/html) is not a GraphQL response');
  expect(html.errors![0]!.extensions!.code).toBeUndefined();
  expect(html.errors![0]!.extensions!.notGraphQL!.contentType).toBe('text/html');
  expect(html.errors![0]!.extensions!.notGraphQL!.body).toMatch(/^<html><head><title>502 Bad Gateway<\/title>.{400,}…$/);
  expect(html.errors![0]!.extensions!.notGraphQL!.body.length).toBe(501);

  const text = await run('/plain-413');
  expect(text.status).toBe(413);
  expect(text.errors![0]!.message).toBe('The answer (HTTP 413, text/plain; charset=utf-8) is not a GraphQL response: request entity too large');

  const empty = await run('/empty-200');
  expect(empty.status).toBe(200);
  expect(empty.errors![0]!.message).toBe('The answer (HTTP 200, an empty body) is not a GraphQL response');

  const json = await run('/json-not-graphql');
  expect(json.errors![0]!.message).toBe('The answer (HTTP 200, application/json) is not a GraphQL response: {"ok":true}');
});

it('gives headers as a plain object of lower-cased names, repeated ones joined', async () => {
  const r = await run('/graphql');
  expect(r.data).toEqual({ apps: [] });
  expect(r.extensions?.cost?.upstreamCalls).toBe(0);
  expect(r.headers['x-request-id']).toBe('abc');
  expect(r.headers['x-twice']).toBe('one, two');
  expect(Object.getPrototypeOf(r.headers)).toBe(Object.prototype);
});

it('sends with a given fetch, called as a plain function, headers merged by lower-cased name', async () => {
  const sent: { url: string; init: Parameters<FetchLike>[1]; self: unknown }[] = [];
  const fake: FetchLike = function (this: unknown, url, init) {
    sent.push({ url, init, self: this });
    return Promise.resolve({
      status: 200,
      headers: new Headers({ 'X-Request-Id': 'fake' }),
      text: () => Promise.resolve('{"data":{"apps":[{"appKey":"k","name":"n","androidPackage":"p","groupName":null}]}}'),
    });
  };
  const client = createGatewayClient({ url: 'https://gateway.example/graphql', token: 't0k', fetch: fake, headers: { 'X-Request-Id': 'client', Authorization: 'Bearer other' } });
  const r = await client.execute(AppsDocument);
  expect(r.data!.apps[0]!.name).toBe('n');
  expect(r.headers).toEqual({ 'x-request-id': 'fake' });
  await client.executeText('{ apps { name } }', { a: 1 }, { 'x-request-id': 'call' });

  expect(sent.map((s) => s.url)).toEqual(['https://gateway.example/graphql', 'https://gateway.example/graphql']);
  // Not `options.fetch(…)`: a browser's own fetch throws "Illegal invocation" for any `this` but the window.
  expect(sent.map((s) => s.self)).toEqual([undefined, undefined]);
  expect(sent[0]!.init.method).toBe('POST');
  expect(sent[0]!.init.headers).toEqual({
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json;q=0.9',
    authorization: 'Bearer other',
    'x-request-id': 'client',
  });
  expect(JSON.parse(sent[0]!.init.body)).toEqual({ query: expect.stringMatching(/^query Apps \{\n {2}apps \{/) });
  expect(sent[1]!.init.headers['x-request-id']).toBe('call');
  expect(JSON.parse(sent[1]!.init.body)).toEqual({ query: '{ apps { name } }', variables: { a: 1 } });
  expect(sent[0]!.init.signal).toBeUndefined();
});

it('rejects when its signal aborts, and when no answer comes at all', async () => {
  const controller = new AbortController();
  const pending = createGatewayClient({ url: `${base}/hang`, signal: controller.signal }).execute(AppsDocument);
  await expect.poll(() => hanging.size).toBe(1);
  controller.abort();
  await expect(pending).rejects.toMatchObject({ name: 'AbortError' });

  await expect(createGatewayClient({ url: `${base}/graphql`, signal: AbortSignal.abort() }).execute(AppsDocument)).rejects.toMatchObject({ name: 'AbortError' });

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  await expect(createGatewayClient({ url: `http://127.0.0.1:${port}/graphql` }).execute(AppsDocument)).rejects.toThrow(TypeError);
});
