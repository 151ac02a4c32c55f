// Connection admission: who gets a socket when connections or file descriptors run short. Node's
// own `maxConnections` refuses the newcomer at the cap, so one host holding sockets open (headers
// trickled in, idle keep-alive, slow bodies) shuts everybody else out. Here every socket is tracked
// with its state, and a newcomer that fills the cap makes room: the oldest socket that has not
// started a request yet, or the one idle the longest between requests, is closed. A socket with a
// request in flight is never closed for room; only when every socket has one does Node's
// `maxConnections` (set to the same cap) refuse the next newcomer. A socket that has not sent one
// complete request header block gets a shorter deadline than the server's `headersTimeout`, and a
// 401 answer closes its connection.
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Descriptors kept besides the upstream pools: registry, logs, DNS, PostgreSQL/Redis, /metrics. */
const FD_MARGIN = 64;
/** Shedding stops being one burst after this long without a socket shed (then one warn line). */
const BURST_QUIET_MS = 1_000;
/** A burst that goes on is still reported this often. */
const BURST_REPORT_MS = 60_000;

/** Why a socket was closed (or refused) by this module: the label of the metric. */
export type ShedReason = 'never_completed' | 'idle' | 'first_headers_timeout' | 'refused';

export interface ConnectionCap {
  /** The connections allowed at once: min(configured, file-descriptor budget). */
  cap: number;
  configured: number;
  /** The soft limit on open files (RLIMIT_NOFILE); null when it cannot be known. */
  fdLimit: number | null;
  /** Descriptors open when the cap was worked out. */
  fdInUse: number;
  /** Descriptors kept for everything but client connections (upstream pools, margin). */
  fdReserve: number;
}

/**
 * The effective connection cap: the configured one, lowered to what the file-descriptor limit
 * leaves once the descriptors already open and `reserve` (upstream sockets and the rest) are counted.
 */
/** `upstreamSockets`: the most sockets the upstream pools may hold open (src/http/transport.ts). */
export function connectionCap(configured: number, options: { upstreamSockets: number }): ConnectionCap {
  const fdLimit = openFilesLimit();
  const fdInUse = openFiles();
  const fdReserve = options.upstreamSockets + FD_MARGIN;
  const budget = fdLimit === null ? Number.POSITIVE_INFINITY : fdLimit - fdInUse - fdReserve;
  return { cap: Math.max(1, Math.min(configured, budget)), configured, fdLimit, fdInUse, fdReserve };
}

/** The soft RLIMIT_NOFILE: /proc/self/limits on Linux, else unknown (the configured cap alone applies). */
function openFilesLimit(): number | null {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!line) return null;
    return line[1] === 'unlimited' ? null : Number(line[1]);
  } catch {
    return null;
  }
}

function openFiles(): number {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      return readdirSync(dir).length;
    } catch {}
  }
  return 32;
}

export interface ConnectionGuardOptions {
  cap: number;
  /** Deadline for the header block of a connection's first request, from the moment it connected. */
  firstHeadersTimeoutMs: number;
  /** Each socket closed or refused here. */
  onShed(reason: ShedReason): void;
  /** Once per burst of shedding (never_completed, idle, refused), when it has ended or every BURST_REPORT_MS. */
  onBurst(summary: ShedBurst): void;
}

export interface ShedBurst {
  cap: number;
  /** Sockets open at the end of the burst. */
  open: number;
  ms: number;
  neverCompleted: number;
  idle: number;
  refused: number;
}

interface Tracked {
  socket: Socket;
  /** When it connected, or when its last request was answered. */
  since: number;
  /** Requests received and not yet answered. */
  inFlight: number;
  gone: boolean;
}

export interface ConnectionGuard {
  /** Sockets open now. */
  readonly open: number;
  /** Stops the deadline timer and reports a burst still going on. */
  close(): void;
}

/** Tracks the server's sockets from now on; the server's `maxConnections` should be `cap`. */
export function guardConnections(server: Server, options: ConnectionGuardOptions): ConnectionGuard {
  const { cap, firstHeadersTimeoutMs } = options;
  const sockets = new Map<Socket, Tracked>();
  // Insertion order is age order: `fresh` by connection time (never re-inserted), `idle` by the
  // time the last answer finished (re-inserted each time), so each one's first entry is its oldest.
  const fresh = new Map<Socket, Tracked>();
  const idle = new Map<Socket, Tracked>();
  let open = 0;
  let burst: { neverCompleted: number; idle: number; refused: number; startedAt: number; lastAt: number } | null = null;

  const forget = (t: Tracked) => {
    fresh.delete(t.socket);
    idle.delete(t.socket);
    sockets.delete(t.socket);
    if (!t.gone) {
      t.gone = true;
      open--;
    }
  };

  const shed = (reason: ShedReason) => {
    options.onShed(reason);
    if (reason === 'first_headers_timeout') return;
    const now = Date.now();
    burst ??= { neverCompleted: 0, idle: 0, refused: 0, startedAt: now, lastAt: now };
    burst.lastAt = now;
    if (reason === 'never_completed') burst.neverCompleted++;
    else if (reason === 'idle') burst.idle++;
    else burst.refused++;
  };

  const report = (now: number) => {
    if (!burst) return;
    options.onBurst({ cap, open, ms: now - burst.startedAt, neverCompleted: burst.neverCompleted, idle: burst.idle, refused: burst.refused });
    burst = null;
  };

  /** Closes the oldest socket without a request in flight; false when there is none. */
  const makeRoom = (): boolean => {
    const first = fresh.values().next().value;
    const oldestIdle = idle.values().next().value;
    const victim = first && (!oldestIdle || first.since <= oldestIdle.since) ? first : oldestIdle;
    if (!victim) return false;
    // Node's count drops as it is destroyed (its 'close' comes later): so does this one.
    forget(victim);
    victim.socket.destroy();
    shed(victim === first ? 'never_completed' : 'idle');
    return true;
  };

  server.on('connection', (socket: Socket) => {
    const tracked: Tracked = { socket, since: Date.now(), inFlight: 0, gone: false };
    sockets.set(socket, tracked);
    open++;
    socket.once('close', () => forget(tracked));
    // Keep one place free for the next newcomer: Node refuses at `cap`, before this event.
    if (open >= cap) makeRoom();
    fresh.set(socket, tracked);
  });

  // Node refused a newcomer: every place is taken by a request in flight.
  server.on('drop', () => shed('refused'));

  // First, before the request handler can answer.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const tracked = sockets.get(req.socket);
    if (!tracked) return;
    tracked.inFlight++;
    fresh.delete(tracked.socket);
    idle.delete(tracked.socket);
    closeAfterUnauthorized(res);
    res.once('close', () => {
      tracked.inFlight--;
      if (tracked.inFlight > 0 || tracked.gone || tracked.socket.destroyed) return;
      tracked.since = Date.now();
      idle.set(tracked.socket, tracked);
    });
  });

  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const tracked of fresh.values()) {
        if (now - tracked.since < firstHeadersTimeoutMs) break;
        // Out of the line, still counted until it is closed (as Node counts it): what Node's
        // headersTimeout answers, then closed once written, or after a second if it cannot be.
        fresh.delete(tracked.socket);
        const { socket } = tracked;
        socket.write('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        socket.destroySoon();
        setTimeout(() => socket.destroy(), 1_000).unref();
        shed('first_headers_timeout');
      }
      if (burst && (now - burst.lastAt >= BURST_QUIET_MS || now - burst.startedAt >= BURST_REPORT_MS)) report(now);
    },
    Math.min(250, Math.max(50, Math.floor(firstHeadersTimeoutMs / 4))),
  );
  timer.unref();

  return {
    get open() {
      return open;
    },
    close() {
      clearInterval(timer);
      report(Date.now());
    },
  };
}

/**
 * A 401 answer ends its connection (`Connection: close`): a caller without a valid token has no use
 * for a kept-alive socket, and one sending a body is refused without it being read.
 */
function closeAfterUnauthorized(res: ServerResponse): void {
  const writeHead = res.writeHead as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    if (status === 401) this.shouldKeepAlive = false;
    return writeHead.call(this, status, ...rest);
  } as ServerResponse['writeHead'];
}

/**
 * Connection admission for the gateway's port: the cap (the configured one, lowered to the open-files
 * limit), Node's `maxConnections` set to it, and the guard above, reporting to metrics and the log.
 */
export function admitConnections(
  server: Server,
  settings: { maxConnections: number; firstHeadersTimeoutMs: number; upstreamSockets: number },
  report: { onShed(reason: ShedReason): void; warn(message: string, fields: Record<string, unknown>): void },
): ConnectionGuard {
  const limit = connectionCap(settings.maxConnections, { upstreamSockets: settings.upstreamSockets });
  if (limit.cap < limit.configured) {
    report.warn('the open-files limit lowers the connection cap', {
      cap: limit.cap,
      maxConnections: limit.configured,
      fdLimit: limit.fdLimit,
      fdInUse: limit.fdInUse,
      fdReserve: limit.fdReserve,
    });
  }
  server.maxConnections = limit.cap;
  return guardConnections(server, {
    cap: limit.cap,
    firstHeadersTimeoutMs: settings.firstHeadersTimeoutMs,
    onShed: report.onShed,
    onBurst: (burst) => report.warn('connections shed to make room', { ...burst }),
  });
}
