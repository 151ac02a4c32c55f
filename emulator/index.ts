// A deterministic stand-in for the Jiguang services (JPush Admin, JVerification Admin, JMLink, JPortrait,
// Operation Growth), on node:http only, so the gateway can be developed, demoed and tested without real credentials.
// Choices where the docs are silent: JMLink checks path/method before auth, counts the frequency limit
// after auth (X-Rate-Limit-* only on authenticated answers), answers an unknown link_key with 3005; paths
// of no emulated service get a plain 404 and are not recorded; a RecordedCall's appKey is the user claimed
// in the Authorization header (even if wrong: the dev_key for the admin services, the projectId for Growth),
// its headers/body are the request's (JSON bodies read exactly: integers beyond 2^53 as bigint), `at` its
// arrival by the emulator's clock, status 0 = no answer (timeout, reset, cut by stop()).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseBasicAuth } from './auth.js';
import { CallLog } from './calls.js';
import { handleControl } from './control.js';
import { AppStore, seededDeveloper, seededGrowthProject } from './data.js';
import { parseExact } from './exactJson.js';
import { faultReply } from './faultReply.js';
import { FaultRegistry } from './faults.js';
import { growth } from './growth.js';
import { jmlink } from './jmlink.js';
import { Listener } from './listener.js';
import { portrait } from './portrait.js';
import { fnv1a } from './prng.js';
import { pushAdmin } from './pushAdmin.js';
import { FixedWindowLimiter } from './rateLimit.js';
import { type Reply, text } from './respond.js';
import type { ServiceContext, ServiceHandler, ServiceRequest } from './service.js';
import { CertificateStore, GrowthStore, ReviewStore } from './stores.js';
import type { AddAppOptions, Emulator, EmulatorApp, EmulatorOptions, Fault, RecordedCall } from './types.js';
import { verificationAdmin } from './verification.js';

export { FIXED_CUID_PREFIX, MAX_CUID, MAX_CUID_IDENTITY_VALUE } from './growth.js';
export type {
  AddAppOptions,
  CallFilter,
  Cuid,
  CuidLike,
  Emulator,
  EmulatorApp,
  EmulatorCallback,
  EmulatorCertificate,
  EmulatorDeveloper,
  EmulatorGrowthProject,
  EmulatorGrowthView,
  EmulatorOptions,
  Fault,
  RecordedCall,
} from './types.js';

/** Request bodies larger than this are answered 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Tried in order, first owner wins (their paths do not overlap: JMLink leaves /v1/app and /v1/admin/ alone). */
const HANDLERS: readonly ServiceHandler[] = [portrait, pushAdmin, verificationAdmin, growth, jmlink];

type BodyResult = { ok: true; text: string; bytes: Buffer } | { ok: false };

function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES)
        tooLarge = true; // keep draining so the 413 can be read by the client
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return resolve({ ok: false });
      const bytes = Buffer.concat(chunks);
      resolve({ ok: true, text: bytes.toString('utf8'), bytes });
    });
    req.on('error', () => resolve({ ok: false }));
  });
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function parsedForLog(raw: string): unknown {
  if (raw === '') return null;
  try {
    return parseExact(raw);
  } catch {
    return raw;
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const latencyMs = options.latencyMs ?? 0;
  const store = new AppStore(seed, now);
  store.seed3();
  const log = new CallLog();
  const faults = new FaultRegistry();
  const limiter = new FixedWindowLimiter(now);
  const timers = new Set<NodeJS.Timeout>();
  const aborter = new AbortController();
  const developer = seededDeveloper(seed);
  const growthProject = seededGrowthProject(seed);
  const certificates = new CertificateStore();
  const reviews = new ReviewStore();
  const growthStore = new GrowthStore();
  let closed = false;
  let requestSeq = 0;
  const requestIdBase = fnv1a(`requestId\u001f${seed}`) % 900_000_000_000;

  const ctx: ServiceContext = {
    seed,
    store,
    limiter,
    now,
    rateLimits: {
      jmlinkLinksPerMinute: options.rateLimits?.jmlinkLinksPerMinute ?? 100,
      jmlinkStatsPerMinute: options.rateLimits?.jmlinkStatsPerMinute ?? 500,
      growthPerSecond: options.rateLimits?.growthPerSecond ?? 100,
    },
    nextRequestId: () => String((requestIdBase + ++requestSeq) % 1_000_000_000_000).padStart(12, '0'),
    developers: new Map([[developer.devKey, developer.devSecret]]),
    growthProjects: new Map([[growthProject.projectId, growthProject.projectSecret]]),
    certificates,
    reviews,
    growth: growthStore,
    verificationReviewDelayMs: options.verificationReviewDelayMs ?? 2000,
    later(ms, fn) {
      if (closed) return;
      const t = setTimeout(
        () => {
          timers.delete(t);
          if (!closed) fn();
        },
        Math.max(0, ms),
      );
      timers.add(t);
    },
    signal: aborter.signal,
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const send = (res: ServerResponse, reply: Reply, extra: Record<string, string> = {}) => {
    if (closed || res.destroyed || res.headersSent) return;
    res.writeHead(reply.status, { ...reply.headers, ...extra, 'content-length': String(Buffer.byteLength(reply.body)) });
    res.end(reply.body);
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = now(); // arrival, before the body is read
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const searchParams = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    const body = await readBody(req);
    if (closed) return;

    if (path.startsWith('/__emulator/')) {
      if (!body.ok) return send(res, text(413, 'Payload Too Large'), { connection: 'close' });
      return send(res, handleControl(req.method ?? 'GET', path, searchParams, body.text, { faults, log, store }));
    }

    const handler = HANDLERS.find((h) => h.owns(path));
    if (!handler) return send(res, text(404, 'Not Found'));

    const headers = headerMap(req);
    const call: RecordedCall = log.record({
      at,
      service: handler.name,
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(searchParams),
      appKey: parseBasicAuth(headers.authorization)?.user ?? null,
      status: 0,
      headers,
      body: body.ok ? parsedForLog(body.text) : null,
    });

    if (!body.ok) {
      // An oversized body is refused before any fault is consumed (nothing of it was kept).
      await sleep(latencyMs);
      if (res.destroyed) return;
      call.status = 413;
      return send(res, text(413, 'Payload Too Large'), { connection: 'close' });
    }

    const fault = faults.take(handler.name, path);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (closed) return;

    if (fault?.kind === 'timeout') return; // never answered; close() destroys the socket
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const reply =
      (fault && faultReply(fault, handler, path, ctx)) ??
      (await handler.handle({ method: call.method, path, query: call.query, headers, rawBody: body.text, bodyBytes: body.bytes } satisfies ServiceRequest, ctx));
    if (closed) return;

    await sleep(latencyMs);
    if (res.destroyed) return; // cut by stop(): never answered, so the call keeps status 0
    call.status = reply.status;
    send(res, reply);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      send(res, text(500, `emulator error: ${err instanceof Error ? err.message : String(err)}`));
    });
  });
  const host = options.host ?? '127.0.0.1';
  const listener = new Listener(server, host, options.port ?? 0);
  await listener.start();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${listener.boundPort}`;

  let closing: Promise<void> | undefined;

  return {
    url,
    apps: store.apps,
    calls: log.calls,
    countCalls: (filter) => log.count(filter),
    maxPerWindow: (filter, windowMs) => log.maxPerWindow(filter, windowMs),
    resetCalls: () => log.reset(),
    injectFault(fault: Fault) {
      const id = faults.add(fault);
      return () => {
        faults.remove(id);
      };
    },
    clearFaults: () => faults.clear(),
    addApp: (app: EmulatorApp, addOptions?: AddAppOptions) => store.add(app, addOptions),
    removeApp: (appKey: string) => store.remove(appKey),
    developer: { ...developer },
    certificates: (appKey: string) => certificates.list(appKey).map(({ environment, sha256, size }) => ({ environment, sha256, size })),
    callbacks: reviews.callbacks,
    growthProject: { ...growthProject },
    growth: growthStore.view(),
    close() {
      if (closing) return closing;
      closed = true;
      aborter.abort();
      faults.clear();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      closing = listener.stop();
      return closing;
    },
    stop: () => listener.stop(),
    async start() {
      if (closed) throw new Error('the emulator is closed');
      await listener.start();
    },
  };
}
