// The server's lifecycle as one state, after Apollo Server's ServerState: starting → serving →
// draining → stopped. Draining is driven by events, not polled: requests in flight are counted by
// 'request' and the response's 'close', sockets by 'connection' and their own 'close'. The drain
// ends when nothing is in flight and every socket is closed, or when its grace runs out.
//
// While draining, each answer carries `Connection: close` (so a kept-alive socket closes after it),
// and sockets with no request in flight are closed once no request has come for DRAIN_QUIET_MS: not
// at once, since a client could be sending on a kept-alive socket at that very moment.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

const DRAIN_QUIET_MS = 500;

export type ServerState =
  | { phase: 'starting' }
  | { phase: 'serving' }
  /** `drained` resolves with the requests still in flight when the drain ended (0 unless the grace ran out). */
  | { phase: 'draining'; drained: Promise<number> }
  | { phase: 'stopped' };

export interface Lifecycle {
  readonly state: ServerState;
  /** From the moment the drain starts: readiness is false and answers close their connections. */
  readonly draining: boolean;
  serving(): void;
  /**
   * Stops accepting connections, waits for the drain (at most `graceMs`), then closes whatever is
   * left; resolves with the requests that were still in flight, once the listener has closed.
   */
  drain(graceMs: number): Promise<number>;
  stopped(): void;
}

export function trackLifecycle(server: Server): Lifecycle {
  let state: ServerState = { phase: 'starting' };
  let inFlight = 0;
  const sockets = new Set<Socket>();
  // Set while draining: told of every change the drain waits on.
  let watcher: { requestStarted(): void; requestEnded(): void; socketClosed(): void } | null = null;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      watcher?.socketClosed();
    });
  });
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    watcher?.requestStarted();
    res.once('close', () => {
      inFlight--;
      watcher?.requestEnded();
    });
  });

  const waitForDrain = (graceMs: number) =>
    new Promise<number>((resolve) => {
      let quiet: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(quiet);
        clearTimeout(grace);
        watcher = null;
        resolve(inFlight);
      };
      const grace = setTimeout(done, graceMs);
      const settle = () => {
        if (inFlight === 0 && sockets.size === 0) done();
      };
      // Nothing in flight, and nothing new for a moment: the sockets left are idle (or never sent a request).
      const armQuiet = () => {
        clearTimeout(quiet);
        quiet = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, DRAIN_QUIET_MS);
      };
      watcher = {
        requestStarted: () => clearTimeout(quiet),
        requestEnded: () => {
          if (inFlight > 0) return;
          armQuiet();
          settle();
        },
        socketClosed: settle,
      };
      if (inFlight === 0) armQuiet();
      settle();
    });

  return {
    get state() {
      return state;
    },
    get draining() {
      return state.phase === 'draining' || state.phase === 'stopped';
    },
    serving() {
      state = { phase: 'serving' };
    },
    async drain(graceMs) {
      if (state.phase === 'draining') return state.drained;
      // Stop listening without http.Server's own close, which would also drop idle kept-alive
      // connections at once.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      const drained = waitForDrain(graceMs).then(async (left) => {
        server.closeAllConnections();
        await closed;
        return left;
      });
      state = { phase: 'draining', drained };
      return drained;
    },
    stopped() {
      state = { phase: 'stopped' };
    },
  };
}
