// `npm start`: validate the configuration, open the registry, start the gateway. With no Jiguang
// credentials configured it starts the built-in emulator too and points every upstream at it.
import { hashToken, newToken } from './auth/callers.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { startEmulator, type Emulator } from './emulator/index.js';
import { createLogger } from './logger.js';
import { openFileRegistry, openMemoryRegistry, parseRegistryKey, type AppRegistry } from './registry/index.js';
import { startGateway } from './server.js';

const loaded = loadConfig();
if (!loaded.ok) {
  process.stderr.write(`jiguang-gateway: the configuration has ${loaded.problems.length} problem(s):\n`);
  for (const problem of loaded.problems) process.stderr.write(`  - ${problem}\n`);
  process.stderr.write('See README.md, section "Configuration".\n');
  process.exit(1);
}
let config: GatewayConfig = loaded.config;

let emulator: Emulator | undefined;
let registry: AppRegistry;
if (config.demo) {
  emulator = await startEmulator();
  const u = emulator.url;
  config = {
    ...config,
    upstreams: { jmlink: u, portrait: u, pushAdmin: u, verificationAdmin: u, growth: u },
    // The emulator's own developer account and Growth project, so every mutation works in the demo.
    devCredentials: { username: emulator.developer.devKey, password: emulator.developer.devSecret },
    growthCredentials: { username: emulator.growthProject.projectId, password: emulator.growthProject.projectSecret },
  };
  registry = openMemoryRegistry();
  for (const app of emulator.apps) await registry.upsert({ ...app, source: 'config' }, app.masterSecret);
  console.log(`jiguang-gateway: DEMO MODE — no Jiguang credentials are configured, so the built-in Jiguang emulator answers at ${u}`);
  console.log(`jiguang-gateway: its ${emulator.apps.length} demo apps: ${emulator.apps.map((a) => `${a.appKey} (${a.name})`).join(', ')}`);
} else {
  try {
    registry = await openFileRegistry({ path: config.registry.file, key: parseRegistryKey(config.registry.key!) });
  } catch (error) {
    // RegistryError messages name the file and the problem, never a secret or the key.
    process.stderr.write(`jiguang-gateway: cannot open the app registry: ${(error as Error).message}\n`);
    process.exit(1);
  }
  for (const app of config.apps) {
    await registry.upsert({ appKey: app.appKey, name: app.name, androidPackage: app.androidPackage, groupName: app.groupName ?? null, source: 'config' }, app.masterSecret);
  }
}

// Secrets known at start-up are scrubbed from every log line (those of apps created later are
// scrubbed by shape: src/http/scrub.ts).
const secrets: string[] = [];
for (const app of await registry.list()) {
  const secret = await registry.secretOf(app.appKey);
  if (secret) secrets.push(secret);
}
for (const c of [config.devCredentials, config.growthCredentials]) if (c) secrets.push(c.password);
const knownSecrets = () => secrets;
// Demo mode with no configured token: one admin token for this run, printed once and never stored.
const demoToken = config.demo && config.callers.length === 0 ? newToken() : undefined;
const extraCallers = demoToken ? [{ name: 'demo-admin', sha256: hashToken(demoToken), role: 'admin' as const }] : [];
const logger = createLogger({ level: config.logLevel, secrets: () => [...knownSecrets(), ...(demoToken ? [demoToken] : [])] });
const gateway = await startGateway({ config, registry, logger, extraCallers, graphiqlToken: demoToken });
console.log(`jiguang-gateway: GraphQL endpoint ${gateway.graphqlUrl}`);
if (demoToken) {
  console.log(`jiguang-gateway: demo admin token (this run only; GraphiQL in a browser has it already): ${demoToken}`);
  console.log(`jiguang-gateway: try  curl -s ${gateway.graphqlUrl} -H 'authorization: Bearer ${demoToken}' -H 'content-type: application/json' -d '{"query":"{ apps { appKey name } }"}'`);
}
logger.info('gateway started', { url: gateway.graphqlUrl, demo: config.demo, apps: (await registry.list()).length });

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info('stopping', { signal });
  await gateway.close();
  await emulator?.close();
  await registry.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
