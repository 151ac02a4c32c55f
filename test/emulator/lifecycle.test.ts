// stop() takes Jiguang away (connection refused, connections closed) and start() brings it back on the
// same port with the same state.
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { basic, basicPair, type CallList, call } from './util.js';

/** The error code of a failed request (undici puts the socket's code on the error or its cause). */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string } };
    return e.code ?? e.cause?.code ?? String(err);
  }
  throw new Error('the request succeeded');
}

describe('stop() and start()', () => {
  it('refuses connections while stopped and keeps its state across a restart', async () => {
    const e = await startEmulator();
    try {
      const url = e.url;
      const app = { appKey: 'e'.repeat(24), masterSecret: 'f'.repeat(24), name: 'Kept', androidPackage: 'com.example.kept', groupName: null };
      e.addApp(app);
      const growth = { authorization: basicPair(e.growthProject.projectId, e.growthProject.projectSecret) };
      expect((await call(`${url}/smartop/api/v1/user/attribute`, { method: 'PUT', headers: growth, body: '{"cuid":42,"data":{"city":"Shanghai"}}' })).status).toBe(200);
      expect((await call(`${url}/v1/links`, { headers: { authorization: basic(app) } })).status).toBe(200);

      await e.stop();
      expect(await failure(call(`${url}/v1/links`, { headers: { authorization: basic(app) } }))).toBe('ECONNREFUSED');
      expect(await failure(call(`${url}/__emulator/calls`))).toBe('ECONNREFUSED');
      e.injectFault({ service: 'jmlink', kind: 'business', code: 3011, times: 1 }); // faults can be set while down
      await e.stop(); // idempotent

      await e.start();
      expect(e.url).toBe(url);
      expect((await call(`${url}/v1/links`, { headers: { authorization: basic(app) } })).json).toEqual({ error: { code: 3011, message: 'server error' } });
      expect((await call(`${url}/v1/links`, { headers: { authorization: basic(app) } })).status).toBe(200);
      expect(e.growth.attributes(42)).toEqual({ city: 'Shanghai' });
      expect(e.calls.map((c) => c.status)).toEqual([200, 200, 500, 200]); // refused calls never arrived
      await e.start(); // idempotent
      expect((await call<CallList>(`${url}/__emulator/calls`)).json.calls).toHaveLength(4);
    } finally {
      await e.close();
    }
  });

  it('closes idle keep-alive connections, and the same client reconnects after start()', async () => {
    const e = await startEmulator();
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 1 });
    try {
      const get = () => request(`${e.url}/v1/links`, { dispatcher: agent, headers: { authorization: basic(e.apps[0]!) } });
      const first = await get();
      expect(first.statusCode).toBe(200);
      await first.body.dump();
      await e.stop();
      expect(await failure(get())).toBe('ECONNREFUSED');
      await e.start();
      const again = await get();
      expect(again.statusCode).toBe(200);
      await again.body.dump();
    } finally {
      await agent.close();
      await e.close();
    }
  });

  it('cuts requests in flight, without waiting for them', async () => {
    const e = await startEmulator({ latencyMs: 700 });
    try {
      const pending = failure(call(`${e.url}/v1/links`, { headers: { authorization: basic(e.apps[0]!) } }));
      await new Promise((r) => setTimeout(r, 100));
      const t = Date.now();
      await e.stop();
      expect(Date.now() - t).toBeLessThan(400);
      expect(await pending).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
      expect(e.calls).toHaveLength(1);
      await e.start();
      // Up again at once (control endpoints have no latency); the cut request's late answer goes nowhere.
      expect((await call<CallList>(`${e.url}/__emulator/calls`)).json.calls).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 800));
      expect(e.calls[0]!.status).toBe(0);
    } finally {
      await e.close();
    }
  });

  it('cannot start after close(), and close() works while stopped', async () => {
    const e = await startEmulator();
    await e.stop();
    await e.close();
    await expect(e.start()).rejects.toThrow(/closed/);
    expect(await failure(call(`${e.url}/v1/links`))).toBe('ECONNREFUSED');
  });
});
