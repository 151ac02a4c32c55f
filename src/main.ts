// `npm start` / `node dist/main.js`: validate the configuration, open the registry and the shared
// traffic state, start the gateway, and stop it in order on SIGTERM or SIGINT (a second signal forces
// the exit). With nothing of the gateway configured at all it runs the demo: the built-in emulator,
// loaded only then, answers for Jiguang. Every start-up failure is one or two plain lines, exit 1.

import type { Emulator } from '../emulator/index.js';
import { hashToken, newToken } from './auth/callers.js';
import { type GatewayConfig, loadConfig, parseRegistryKey } from './config/index.js';
import { createLogger, type Logger } from './core/logger.js';
import type { Deployment } from './inbound/health.js';
import { type ReadinessCheck, type RunningGateway, startGateway } from './inbound/server.js';
import { releaseMemoryWhenIdle } from './memory.js';
import { startTracing } from './observability/tracing.js';
import { type AppRegistry, openRegistry, registryQueries } from './registry/index.js';
import { startupProblem } from './startup.js';
import type { TrafficState } from './traffic.js';

const loaded = loadConfig();
if (!loaded.ok) {
  process.stderr.write(`jiguang-gateway: the configuration has ${loaded.problems.length} problem(s):\n`);
  for (const problem of loaded.problems) process.stderr.write(`  - ${problem}\n`);
  process.stderr.write('See docs/configuration.md.\n');
  process.exit(1);
}

interface Running {
  gateway: RunningGateway;
  registry: AppRegistry;
  emulator?: Emulator;
  logger: Logger;
  closeShared(): Promise<void>;
}

// Tracing first, so everything after it can be traced (off unless OTEL_* variables turn it on).
const tracing = await startTracing(process.env);

let running: Running | undefined;
try {
  running = await start(loaded.config);
} catch (error) {
  process.stderr.write(`jiguang-gateway: ${startupProblem(error)}\n`);
  process.exit(1);
}

/**
 * Ctrl-C in a terminal signals npm and node together, and npm forwards it once more: the signals of
 * one stop arrive within moments. Only a signal sent after this long into the drain forces the exit.
 */
const FORCE_AFTER_MS = 2_000;
let stoppingSince = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stoppingSince > 0) {
      if (Date.now() - stoppingSince < FORCE_AFTER_MS) return; // the same stop, signalled again
      running?.logger.warn('signal during the drain: exiting at once', { signal });
      running?.logger.flush();
      process.exit(1);
    }
    stoppingSince = Date.now();
    void stop(signal);
  });
}

async function start(base: GatewayConfig): Promise<Running> {
  let config = base;
  let emulator: Emulator | undefined;
  if (config.demo) {
    const { startEmulator } = await import('../emulator/index.js');
    emulator = await startEmulator();
    const u = emulator.url;
    config = {
      ...config,
      upstreams: { jmlink: u, portrait: u, pushAdmin: u, verificationAdmin: u, growth: u },
      // The emulator's own developer account and Growth project, so every mutation works in the demo.
      devCredentials: { username: emulator.developer.devKey, password: emulator.developer.devSecret },
      growthCredentials: { username: emulator.growthProject.projectId, password: emulator.growthProject.projectSecret },
    };
  }
  // The registry opens before the logger exists (the logger scrubs the secrets the seed names): what
  // it reports meanwhile (its change feed's troubles, PostgreSQL only) goes nowhere.
  const registryLog: { to?: Logger } = {};
  const registry = await openRegistry({
    databaseUrl: config.databaseUrl,
    databaseSchema: config.databaseSchema,
    file: config.registry.file,
    memory: config.demo,
    key: config.registry.key ? parseRegistryKey(config.registry.key) : null,
    log: (level, message, fields) => registryLog.to?.[level](message, fields),
  });
  const seed = emulator
    ? emulator.apps.map((app) => ({ ...app, source: 'config' as const }))
    : config.apps.map((app) => ({ ...app, groupName: app.groupName ?? null, source: 'config' as const }));
  for (const { masterSecret, ...app } of seed) await registry.upsert(app, masterSecret);

  // Secrets known at start-up are scrubbed from every log line by value (later ones by shape).
  const secrets = seed.map((app) => app.masterSecret);
  for (const c of [config.devCredentials, config.growthCredentials]) if (c) secrets.push(c.password);
  // Demo mode with no configured token: one admin token for this run, printed once and never stored.
  const demoToken = config.demo && config.callers.length === 0 ? newToken() : undefined;
  if (demoToken) secrets.push(demoToken);
  const logger = createLogger({ level: config.logLevel, secrets: () => secrets });
  registryLog.to = logger;

  // Several replicas share the cache, coalescing and quotas through Redis; loaded only then.
  let traffic: TrafficState | undefined;
  let readiness: ReadinessCheck[] | undefined;
  let closeShared = async () => {};
  if (config.redisUrl) {
    const { connectShared, redisReadiness } = await import('./shared/index.js');
    const shared = await connectShared({ url: config.redisUrl, keyPrefix: config.redisPrefix, logger, fairness: config.fairness, localCacheMaxBytes: config.cache.maxBytes });
    traffic = shared;
    readiness = [redisReadiness(shared)];
    closeShared = () => shared.close();
  }

  const extraCallers = demoToken ? [{ name: 'demo-admin', sha256: hashToken(demoToken), role: 'admin' as const }] : [];
  const deployment: Deployment = {
    registry: config.databaseUrl ? 'postgres' : config.demo ? 'memory' : 'file',
    shared: config.redisUrl ? { kind: 'redis', prefix: config.redisPrefix } : { kind: 'process' },
  };
  const gateway = await startGateway({ config, registry, logger, extraCallers, graphiqlToken: demoToken, traffic, readiness, deployment });
  // PostgreSQL round trips of the registry (gateway_registry_queries_total); none for the file or memory.
  const queries = registryQueries(registry);
  if (queries) gateway.metrics.registryQueries = queries;
  // After a burst, the heap is given back once the gateway is quiet (src/memory.ts; its timer does not keep the process alive).
  releaseMemoryWhenIdle(gateway.server);
  if (emulator) {
    console.log(`jiguang-gateway: DEMO MODE — nothing of the gateway is configured, so the built-in Jiguang emulator answers at ${emulator.url} with fake data`);
    console.log(`jiguang-gateway: its ${emulator.apps.length} demo apps: ${emulator.apps.map((a) => `${a.appKey} (${a.name})`).join(', ')}`);
  }
  console.log(`jiguang-gateway: GraphQL endpoint ${gateway.graphqlUrl}`);
  if (demoToken) {
    console.log(`jiguang-gateway: demo admin token (this run only; GraphiQL in a browser has it already): ${demoToken}`);
    console.log(
      `jiguang-gateway: try  curl -s ${gateway.graphqlUrl} -H 'authorization: Bearer ${demoToken}' -H 'content-type: application/json' -d '{"query":"{ apps { appKey name } }"}'`,
    );
  }
  logger.info('gateway started', {
    url: gateway.graphqlUrl,
    demo: config.demo,
    apps: seed.length,
    registry: deployment.registry,
    shared: deployment.shared.kind,
  });
  return { gateway, registry, emulator, logger, closeShared };
}

async function stop(signal: string): Promise<void> {
  if (!running) process.exit(0);
  const { gateway, registry, emulator, logger, closeShared } = running;
  logger.info('stopping: draining in-flight requests', { signal, graceMs: loaded.ok ? loaded.config.shutdownGraceMs : 0 });
  try {
    await gateway.close({ graceMs: loaded.ok ? loaded.config.shutdownGraceMs : 0 });
    await closeShared();
    await registry.close();
    await emulator?.close();
    await tracing?.shutdown();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  } catch (error) {
    logger.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) });
    logger.flush();
    process.exit(1);
  }
}
