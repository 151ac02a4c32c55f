import { Agent, get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { basic, call } from './util.js';

let e: Emulator;
beforeAll(async () => {
  e = await startEmulator();
});
afterAll(() => e.close());

function getReused(url: string, agent: Agent, headers: Record<string, string>): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

describe('server', () => {
  it('keeps connections alive', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const h = { authorization: basic(e.apps[0]!) };
      const a = await getReused(`${e.url}/v1/links`, agent, h);
      const b = await getReused(`${e.url}/v1/links?page_index=2`, agent, h);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(b.reused).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('answers 404 for paths of no emulated service, without recording them', async () => {
    e.resetCalls();
    expect((await call(`${e.url}/`)).status).toBe(404);
    expect((await call(`${e.url}/v3/push`)).status).toBe(404);
    expect(e.calls).toHaveLength(0);
  });
});
