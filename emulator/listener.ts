// The emulator's listening socket. stop() closes it and destroys every connection (idle keep-alive ones
// and requests in flight), so clients get "connection refused"; start() listens again on the same port,
// so a test can take Jiguang away and bring it back while the emulator keeps its state.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export class Listener {
  private readonly sockets = new Set<Socket>();
  private listening = false;
  /** Start and stop run one after the other, in call order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly server: Server,
    private readonly host: string,
    private port: number,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** The port listened on (the one the system chose, once port 0 was asked for). */
  get boundPort(): number {
    return this.port;
  }

  /** Listens (again) on the same host and port; does nothing if listening. Rejects if the port is taken. */
  start(): Promise<void> {
    return this.enqueue(async () => {
      if (this.listening) return;
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.port, this.host, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
      const address = this.server.address();
      if (typeof address === 'object' && address) this.port = address.port;
      this.listening = true;
    });
  }

  /** Closes the socket and every connection; does nothing if not listening. */
  stop(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.listening) return;
      this.listening = false;
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeAllConnections();
        for (const s of this.sockets) s.destroy();
      });
      // One turn of the event loop, so clients in this process have read the close (a pooled connection
      // reused right after would fail with "other side closed" rather than be refused).
      await new Promise((resolve) => setImmediate(resolve));
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
