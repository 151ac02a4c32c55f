// A fleet for tests: gateway replicas as real processes (`node dist/main.js`, as production runs
// them) on fixed ports, sharing PostgreSQL and Redis, and a client that does what a load balancer
// does — round robin, and a request that could not reach a replica (refused, or its connection
// closed before any answer) goes to the next one.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'undici';
import { freePort } from '../shared/helpers.js';

const root = new URL('../..', import.meta.url).pathname;

/** The JSON body of a GraphQL answer; `T` is the shape of `data` the document asks for. */
export interface FleetBody<T = unknown> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** The JSON body of `/ready`. */
export interface ReadyBody {
  status: string;
  checks: Record<string, { status: string }>;
}

export interface Replica {
  index: number;
  port: number;
  url: string;
  child: ChildProcess | null;
  output: string;
}

export class Fleet {
  readonly replicas: Replica[] = [];
  private readonly agents = new Map<number, Agent>();
  private next = 0;

  private constructor(private readonly env: Record<string, string>) {}

  static async start(size: number, env: Record<string, string>): Promise<Fleet> {
    const fleet = new Fleet(env);
    for (let index = 0; index < size; index++) {
      const port = await freePort();
      fleet.replicas.push({ index, port, url: `http://127.0.0.1:${port}`, child: null, output: '' });
    }
    await Promise.all(fleet.replicas.map((r) => fleet.startReplica(r)));
    return fleet;
  }

  /** Starts (again) a replica on its port and waits until it serves. */
  async startReplica(replica: Replica): Promise<void> {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...this.env, PORT: String(replica.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    replica.child = child;
    replica.output = ''; // this run's output only: the last one's "GraphQL endpoint" must not count
    child.stdout!.on('data', (c) => (replica.output += c));
    child.stderr!.on('data', (c) => (replica.output += c));
    const deadline = Date.now() + 30_000;
    while (!/GraphQL endpoint/.test(replica.output)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`replica ${replica.index} did not start:\n${replica.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends a signal and waits for the process to end; its exit code. */
  async stopReplica(replica: Replica, signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null> {
    const child = replica.child;
    replica.child = null;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = once(child, 'exit');
    child.kill(signal);
    const [code] = await exited;
    this.agents
      .get(replica.port)
      ?.destroy()
      .catch(() => {});
    this.agents.delete(replica.port);
    return code as number | null;
  }

  private agent(port: number): Agent {
    let agent = this.agents.get(port);
    if (!agent) this.agents.set(port, (agent = new Agent({ connections: 16 })));
    return agent;
  }

  /**
   * A GraphQL request through the fleet, moving on like a load balancer when a replica cannot take it.
   * `T` is the shape of `data` the document asks for.
   */
  async gql<T = unknown>(token: string, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: FleetBody<T>; replica: number }> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.replicas.length * 4; attempt++) {
      const replica = this.replicas[this.next++ % this.replicas.length]!;
      try {
        const res = await request(`${replica.url}/graphql`, {
          method: 'POST',
          dispatcher: this.agent(replica.port),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables }),
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        return { status: res.statusCode, body: (await res.body.json()) as FleetBody<T>, replica: replica.index };
      } catch (error) {
        if (!unreachable(error)) throw error;
        lastError = error;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    throw new Error(`no replica could take the request: ${String(lastError)}`);
  }

  /** A replica's /metrics text (admin token). */
  async metrics(replica: Replica, token: string): Promise<string> {
    const res = await request(`${replica.url}/metrics`, { headers: { authorization: `Bearer ${token}` }, dispatcher: this.agent(replica.port) });
    return res.body.text();
  }

  async ready(replica: Replica): Promise<{ status: number; body: ReadyBody }> {
    const res = await request(`${replica.url}/ready`, { dispatcher: this.agent(replica.port) });
    return { status: res.statusCode, body: (await res.body.json()) as ReadyBody };
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => this.stopReplica(r, 'SIGKILL')));
    await Promise.all([...this.agents.values()].map((a) => a.destroy().catch(() => {})));
  }
}

/** A failure to reach a replica at all: the request did not get an answer from it. */
function unreachable(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  // UND_ERR_DESTROYED: the test's own agent for a replica that has exited was closed under a request
  // (stopReplica), so the request never reached a gateway: a load balancer moves on the same way.
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_DESTROYED';
}

/** The sum of a counter's samples matching a label filter, from Prometheus text. */
export function counter(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
