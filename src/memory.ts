// Memory given back once a burst of traffic is over. V8 shrinks its heap by itself (its "memory
// reducer": a few garbage collections that compact and release pages) only when a full collection
// saw the heap grow by a tenth since its last run; after a burst that ended between two such
// collections an idle process allocates nothing that would start one, and the heap stays at its
// peak. So, ten seconds after the last request, one full collection: it frees the burst's garbage
// and lets V8's reducer start, which gives the pages back some seconds later. At most once a minute.
//
// It needs `gc`, which `npm start` exposes (`node --expose-gc`, see package.json and docs/performance.md,
// "Performance"); without it this does nothing.
import type { Server } from 'node:http';

const QUIET_MS = 10_000;
const MIN_INTERVAL_MS = 60_000;

export function releaseMemoryWhenIdle(server: Server, gc = (globalThis as { gc?: () => void }).gc): () => void {
  if (typeof gc !== 'function') return () => {};
  let lastRequest = 0;
  let lastRelease = 0;
  let busy = false;
  const onRequest = () => {
    lastRequest = Date.now();
    busy = true;
  };
  server.on('request', onRequest);
  const timer = setInterval(() => {
    const now = Date.now();
    if (!busy || now - lastRequest < QUIET_MS || now - lastRelease < MIN_INTERVAL_MS) return;
    busy = false;
    lastRelease = now;
    gc();
  }, 1_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    server.off('request', onRequest);
  };
}
