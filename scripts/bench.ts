// Benchmark: the gateway against a baseline measured in the same run on the same emulator.
//   1. overhead  — one page of links through the gateway vs the same GET sent straight to JMLink.
//   2. batching  — 20 links × 3 overlapping stats ranges through the gateway vs a plain REST client
//                  doing the same work call by call (what a frontend without the gateway would do).
// Prints req/s, p50/p95 and the ratios. Bounded: a fixed number of requests on loopback only.
import { request } from 'undici';
import { hashToken, newToken } from '../src/auth/callers.js';
import { loadConfig } from '../src/config.js';
import { startEmulator } from '../src/emulator/index.js';
import { createLogger } from '../src/logger.js';
import { openMemoryRegistry } from '../src/registry/index.js';
import { startGateway } from '../src/server.js';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const CONCURRENCY = 8;

const emulator = await startEmulator({ latencyMs: LATENCY_MS, rateLimits: { jmlinkLinksPerMinute: 1e9, jmlinkStatsPerMinute: 1e9 } });
const u = emulator.url;
const loaded = loadConfig({ PORT: '0', JIGUANG_JMLINK_URL: u, JIGUANG_PORTRAIT_URL: u });
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const registry = openMemoryRegistry();
for (const app of emulator.apps) await registry.upsert({ ...app, source: 'config' }, app.masterSecret);
const token = newToken();
const extraCallers = [{ name: 'bench', sha256: hashToken(token), role: 'reader' as const }];
const gateway = await startGateway({ config: loaded.config, registry, logger: createLogger({ level: 'silent' }), extraCallers });
const app = emulator.apps[0]!;
const auth = 'Basic ' + Buffer.from(`${app.appKey}:${app.masterSecret}`).toString('base64');

async function gql(query: string): Promise<any> {
  const res = await request(gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  const body: any = await res.body.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}
async function rest(path: string): Promise<any> {
  const res = await request(u + path, { headers: { authorization: auth } });
  return res.body.json();
}

async function measure(name: string, count: number, run: () => Promise<unknown>) {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const r = { name, rps: count / seconds, p50: times[Math.floor(times.length * 0.5)]!, p95: times[Math.floor(times.length * 0.95)]! };
  console.log(`${name.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms`);
  return r;
}

console.log(`emulator latency ${LATENCY_MS} ms per call, ${REQUESTS} requests, concurrency ${CONCURRENCY}, node ${process.version}\n`);

// Warm-up (JIT, keep-alive connections).
for (let i = 0; i < 20; i++) await gql(`{ app(appKey: "${app.appKey}") { shortLinks(first: 20) { nodes { key url } } } }`);

console.log('1. overhead: one page of 20 links');
const direct = await measure('  baseline: GET /v1/links directly', REQUESTS, () => rest('/v1/links?page_index=1&page_size=20'));
const viaGateway = await measure('  gateway: shortLinks(first: 20)', REQUESTS, () => gql(`{ app(appKey: "${app.appKey}") { shortLinks(first: 20) { nodes { key url name createdOn } } } }`));
console.log(`  ratio gateway/baseline: throughput ${(viaGateway.rps / direct.rps).toFixed(2)}x, p50 latency ${(viaGateway.p50 / direct.p50).toFixed(2)}x\n`);

console.log('2. batching: 20 links x 3 overlapping stats ranges');
const keys: string[] = (await rest('/v1/links?page_index=1&page_size=20')).records.map((r: any) => r.link_key);
const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const ranges = [[day(60), day(30)], [day(45), day(15)], [day(30), day(0)]] as const;
const batched = `{ app(appKey: "${app.appKey}") { shortLinks(first: 20) { nodes { key ${ranges.map(([f, t], i) => `r${i}: stats(from: "${f}", to: "${t}") { totals { clicks } }`).join(' ')} } } } }`;
emulator.resetCalls();
await gql(batched);
const gatewayCalls = emulator.countCalls();
const naive = async () => {
  await rest('/v1/links?page_index=1&page_size=20');
  await Promise.all(keys.flatMap((k) => ranges.map(([f, t]) => rest(`/v1/links/${k}/stat?start_date=${f}&end_date=${t}&platform=all`))));
};
emulator.resetCalls();
await naive();
const naiveCalls = emulator.countCalls();
const n = Math.max(40, Math.floor(REQUESTS / 8));
const base2 = await measure('  baseline: REST call by call', n, naive);
const gw2 = await measure('  gateway: one query, batched', n, () => gql(batched));
console.log(`  upstream calls per request: baseline ${naiveCalls}, gateway ${gatewayCalls} (${(naiveCalls / gatewayCalls).toFixed(1)}x fewer)`);
console.log(`  ratio gateway/baseline: throughput ${(gw2.rps / base2.rps).toFixed(2)}x, p50 latency ${(gw2.p50 / base2.p50).toFixed(2)}x`);

await gateway.close();
await emulator.close();
