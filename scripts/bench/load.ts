// The orchestrator's side of the load generator (loadgen.mjs, its own process): what a run asks
// for and what it answers.
import { fileURLToPath } from 'node:url';
import { baseEnv, type Child, type Pinning, spawnNode, stop } from './processes.js';

export interface LoadSpec {
  /** The GraphQL URL of every process of the server under test. */
  targets: string[];
  connections: number;
  /** A timed run … */
  durationSec?: number;
  /** … or a fixed number of requests. */
  amount?: number;
  /** Requests per second over all connections (paced users); closed loop when absent. */
  overallRate?: number;
  /** Request bodies (JSON), sent in turn. */
  bodies: string[];
  /** Bearer tokens, in turn (every token sees every body). */
  tokens: string[];
  /** The status every answer should have (200, or 400 for refusals). */
  expectStatus?: number;
  timeoutSec?: number;
}

export interface LoadResult {
  responses: number;
  seconds: number;
  rps: number;
  /** Latencies in ms, exact. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  wrongStatus: number;
  gqlErrors: number;
  /** Answers with the wrong status or GraphQL errors, connection errors and timeouts. */
  failed: number;
  connErrors: number;
  timeouts: number;
  bytesPerResponse: number;
  /** The first unexpected answer, cut short. */
  sample: string | null;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: LoadResult;
  error?: string;
}

export class LoadGenerator {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();

  private constructor(readonly child: Child) {
    child.proc.on('message', (reply: Reply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    void child.exited.then((code) => {
      for (const resolve of this.waiting.values()) resolve({ id: 0, ok: false, error: `the load generator exited (${code}): ${child.tail.join(' | ')}` });
      this.waiting.clear();
    });
  }

  static start(pinning: Pinning): LoadGenerator {
    const script = fileURLToPath(new URL('./loadgen.mjs', import.meta.url));
    return new LoadGenerator(spawnNode('load generator', script, { env: baseEnv(), cpus: pinning.sideCpus, ipc: true }));
  }

  get pid(): number {
    return this.child.pid;
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => (reply.ok && reply.result ? resolve(reply.result) : reject(new Error(reply.error ?? 'the load generator failed'))));
      this.child.proc.send({ type: 'run', id, spec });
    });
  }

  close(): Promise<void> {
    return stop(this.child);
  }
}
