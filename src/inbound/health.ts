// /health (the process answers) and /ready (whether this replica should get traffic): false at once
// while draining, else from each dependency's check — `down` takes the replica out of rotation,
// `degraded` does not.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ReadinessCheck } from '../core/readiness.js';
import type { AppRegistry } from '../registry/index.js';
import { sendJson } from './respond.js';

export type { ReadinessCheck };

export interface Health {
  /** Answers /health and /ready (GET or HEAD); false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean>;
}

/** `draining` is read on each /ready: the server's lifecycle. */
/** Where this replica keeps its registry and its traffic state (the shared state's key prefix in Redis). */
export interface Deployment {
  registry: 'memory' | 'file' | 'postgres';
  shared: { kind: 'process' } | { kind: 'redis'; prefix: string };
}

export function createHealth(checks: ReadinessCheck[], draining: () => boolean, deployment?: Deployment): Health {
  return {
    async handle(req, res, pathname) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (pathname === '/health') {
        sendJson(res, 200, { status: 'ok' });
        return true;
      }
      if (pathname !== '/ready') return false;
      const report = { ...(await readinessReport(checks, draining())), ...deployment };
      sendJson(res, report.status === 'ready' || report.status === 'degraded' ? 200 : 503, report);
      return true;
    },
  };
}

/** The registry's state for /ready; the cause goes to the log only (a database's message can name users and hosts). */
export function registryCheck(registry: AppRegistry, logger: Logger): ReadinessCheck {
  return {
    name: 'registry',
    async check() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 2 s')), 2_000)));
      try {
        await Promise.race([registry.ping(), timeout]);
        return { status: 'ok' };
      } catch (error) {
        logger.warn('registry unreachable', { error: describeError(error).message });
        return { status: 'down', detail: 'unreachable (see the log)' };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** /ready: whether this replica should get traffic, with each dependency's state. */
async function readinessReport(checks: ReadinessCheck[], draining: boolean) {
  const results = await Promise.all(checks.map(async (c) => [c.name, await c.check()] as const));
  const down = results.some(([, r]) => r.status === 'down');
  const degraded = results.some(([, r]) => r.status === 'degraded');
  const status = draining ? 'draining' : down ? 'unavailable' : degraded ? 'degraded' : 'ready';
  return { status, draining, checks: Object.fromEntries(results) };
}
