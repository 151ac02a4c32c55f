// The processes the benchmark talks to: the standalone Jiguang emulator (the compiled
// emulator/main.ts, what `npm run emulator` runs), the gateway as production runs it
// (`node dist/main.js`, configured only through its environment) — one process or N replicas — and
// the raw node:http + undici proxy that is the baseline.

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { baseEnv, type Child, type Pinning, spawnNode, stop, waitForLine } from './processes.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EMULATOR_MAIN = `${ROOT}dist/emulator/main.js`;
const GATEWAY_MAIN = `${ROOT}dist/main.js`;

/**
 * How `npm start` runs the gateway (package.json "start"): its environment assignments and node's
 * flags (heap sizes, malloc's threshold), read from there so that the bench measures that process.
 */
export const NPM_START: { env: Record<string, string>; nodeArgs: string[] } = (() => {
  const script = String((JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts.start);
  const match = /^((?:\w+=\S+\s+)*)(?:exec\s+)?node\s+(.*?)\s*dist\/main\.js$/.exec(script.trim());
  if (!match) throw new Error(`bench: cannot read how npm start runs the gateway from package.json ("${script}")`);
  const env = Object.fromEntries(
    match[1]!
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
  return { env, nodeArgs: match[2]!.split(/\s+/).filter(Boolean) };
})();
const PROXY_MAIN = fileURLToPath(new URL('./raw-proxy.mjs', import.meta.url));

export interface App {
  appKey: string;
  masterSecret: string;
  name: string;
}

/** Something under test or behind it: its processes and where it answers. */
export interface Server {
  name: string;
  /** One URL per process (a fleet has several; the load generator spreads connections over them). */
  urls: string[];
  children: Child[];
  close(): Promise<void>;
}

export const pidsOf = (server: Server): number[] => server.children.map((c) => c.pid);

// ---- the emulator --------------------------------------------------------------------------

export interface Upstream extends Server {
  url: string;
  apps: App[];
  /** The export lines it printed: apps, developer account, Growth project, the five URLs. */
  exports: Record<string, string>;
  latencyMs: number;
  /** Calls recorded since the last reset that match (service jmlink unless told). */
  count(filter?: Record<string, string>): Promise<number>;
  /** The most matching calls in one fixed window of `windowMs` (Jiguang's own quota windows). */
  maxPerWindow(filter: Record<string, string>, windowMs: number): Promise<number>;
  resetCalls(): Promise<void>;
}

export interface EmulatorOptions {
  name: string;
  latencyMs: number;
  /** Per AppKey per minute; Jiguang's real quotas are 100 and 500. */
  linksPerMinute: number;
  statsPerMinute: number;
  pinning: Pinning;
}

export async function startEmulator(o: EmulatorOptions): Promise<Upstream> {
  const env = {
    ...baseEnv(),
    EMULATOR_PORT: '0',
    EMULATOR_HOST: '127.0.0.1',
    EMULATOR_SEED: '1',
    EMULATOR_LATENCY_MS: String(o.latencyMs),
    EMULATOR_JMLINK_LINKS_PER_MINUTE: String(o.linksPerMinute),
    EMULATOR_JMLINK_STATS_PER_MINUTE: String(o.statsPerMinute),
  };
  const child = spawnNode(o.name, EMULATOR_MAIN, { env, cpus: o.pinning.sideCpus });
  // Its last start-up line follows the three export lines.
  await waitForLine(child, /^# The gateway also needs/);
  const url = /listening at (\S+)/.exec(child.stdout.join('\n'))?.[1];
  const exports: Record<string, string> = {};
  for (const line of child.stdout) if (line.startsWith('export ')) Object.assign(exports, parseExportLine(line));
  if (!url || !exports.JIGUANG_APPS) throw new Error(`${o.name}: could not read its address and apps from:\n${child.stdout.join('\n')}`);
  const apps = JSON.parse(exports.JIGUANG_APPS) as App[];
  const control = async (method: string, path: string): Promise<unknown> => {
    const res = await fetch(url + path, { method });
    if (!res.ok) throw new Error(`${o.name}: ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  const query = (filter: Record<string, string>) => new URLSearchParams({ service: 'jmlink', ...filter }).toString();
  const maxPerWindow = async (filter: Record<string, string>, windowMs: number) =>
    ((await control('GET', `/__emulator/calls/max-per-window?windowMs=${windowMs}&${query(filter)}`)) as { max: number }).max;
  return {
    name: o.name,
    url,
    urls: [url],
    children: [child],
    apps,
    exports,
    latencyMs: o.latencyMs,
    maxPerWindow,
    // One window as long as the epoch so far: the count of every matching call.
    count: (filter = {}) => maxPerWindow(filter, 1e13),
    resetCalls: async () => void (await control('DELETE', '/__emulator/calls')),
    close: () => stop(child),
  };
}

/** `export A=word B='quoted'\''word'` → {A, B}, reading shell words as the emulator writes them. */
export function parseExportLine(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 'export '.length;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    const eq = line.indexOf('=', i);
    if (eq < 0) break;
    const name = line.slice(i, eq);
    let value = '';
    i = eq + 1;
    while (i < line.length && line[i] !== ' ') {
      if (line[i] === "'") {
        const end = line.indexOf("'", i + 1);
        value += line.slice(i + 1, end);
        i = end + 1;
      } else if (line[i] === '\\') {
        value += line[i + 1] ?? '';
        i += 2;
      } else {
        value += line[i];
        i++;
      }
    }
    out[name] = value;
  }
  return out;
}

// ---- callers -------------------------------------------------------------------------------

export interface Token {
  name: string;
  token: string;
  sha256: string;
}

/** `count` reader tokens named prefix-1…; the gateway gets only their SHA-256. */
export function makeTokens(prefix: string, count: number): Token[] {
  return Array.from({ length: count }, (_, i) => {
    const token = randomBytes(24).toString('base64url');
    return { name: `${prefix}-${i + 1}`, token, sha256: createHash('sha256').update(token).digest('hex') };
  });
}

export const tokensEnv = (tokens: Token[]) => JSON.stringify(tokens.map(({ name, sha256 }) => ({ name, sha256, role: 'reader' })));

// ---- the gateway ---------------------------------------------------------------------------

/** The settings that turn the cross-request cache off and lift fairness and quotas (CPU scenarios). */
export const NO_CACHE_NO_LIMITS: Record<string, string> = {
  GATEWAY_CACHE_LINK_PAGES_SECONDS: '0',
  GATEWAY_CACHE_STATS_RECENT_SECONDS: '0',
  GATEWAY_CACHE_STATS_CLOSED_SECONDS: '0',
  GATEWAY_CACHE_GRACE_SECONDS: '0',
  GATEWAY_CACHE_STALE_IF_ERROR_SECONDS: '0',
  GATEWAY_TOKEN_REQUESTS_PER_SECOND: '10000000',
  GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE: '10000000',
  GATEWAY_QUOTA_JMLINK_LINKS_PER_MINUTE: '1000000',
  GATEWAY_QUOTA_JMLINK_STATS_PER_MINUTE: '1000000',
};

export interface GatewayOptions {
  name: string;
  upstream: Upstream;
  tokens: Token[];
  /** SHA-256 of the token that may read /metrics. */
  metricsSha256: string;
  /** A folder of its own: the registry file and the log. */
  dir: string;
  replicas: number;
  settings: Record<string, string>;
  pinning: Pinning;
  /** Options of node itself (--profile: --cpu-prof), after npm start's. */
  nodeArgs?: string[];
  /** Without npm start's flags and environment (`--bare-node`): plain `node dist/main.js`. */
  bareNode?: boolean;
}

/** N gateway processes as production starts them: the emulator's export lines, tokens, a registry key and file. */
let gatewayStarts = 0;

export async function startGateway(o: GatewayOptions): Promise<Server> {
  const registryKey = randomBytes(32).toString('hex');
  const start = ++gatewayStarts;
  const children: Child[] = [];
  const urls: string[] = [];
  try {
    for (let r = 1; r <= o.replicas; r++) {
      const env = {
        ...baseEnv(),
        ...(o.bareNode ? {} : NPM_START.env),
        ...o.upstream.exports,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        GATEWAY_INTROSPECTION: 'false', // as the README's production example
        GATEWAY_TOKENS: tokensEnv(o.tokens),
        GATEWAY_METRICS_TOKEN_SHA256: o.metricsSha256,
        GATEWAY_REGISTRY_KEY: registryKey,
        // Replicas without DATABASE_URL each need a registry file of their own.
        GATEWAY_REGISTRY_FILE: `${o.dir}/registry-${start}-${r}.json`,
        ...o.settings,
      };
      const child = spawnNode(o.replicas > 1 ? `${o.name} #${r}` : o.name, GATEWAY_MAIN, {
        env,
        nodeArgs: [...(o.bareNode ? [] : NPM_START.nodeArgs), ...(o.nodeArgs ?? [])],
        cpus: o.pinning.serverCpus,
        // Logs are on stdout; stderr holds only what stops a start.
        stdoutFile: `${o.dir}/gateway-${start}-${r}.log`,
        stderr: `${o.dir}/gateway-${start}-${r}.err`,
      });
      children.push(child);
      const match = await waitForLine(child, /GraphQL endpoint (\S+)/, 30_000);
      urls.push(match[1]!);
    }
  } catch (error) {
    await Promise.all(children.map((c) => stop(c)));
    throw error;
  }
  return { name: o.name, urls, children, close: async () => void (await Promise.all(children.map((c) => stop(c, 20_000)))) };
}

// ---- the baseline --------------------------------------------------------------------------

export async function startProxy(name: string, upstream: Upstream, tokens: Token[], pinning: Pinning): Promise<Server> {
  const env = {
    ...baseEnv(),
    NODE_ENV: 'production',
    PORT: '0',
    JIGUANG_APPS: upstream.exports.JIGUANG_APPS!,
    JIGUANG_JMLINK_URL: upstream.url,
    GATEWAY_TOKENS: tokensEnv(tokens),
  };
  const child = spawnNode(name, PROXY_MAIN, { env, cpus: pinning.serverCpus });
  const match = await waitForLine(child, /raw-proxy listening at (\S+)/);
  return { name, urls: [match[1]!], children: [child], close: () => stop(child) };
}

// ---- metrics -------------------------------------------------------------------------------

/** Sums of a counter from the gateway's /metrics by some of its labels ("a/b"), summed over replicas. */
export async function metricSums(server: Server, metricsToken: string, metric: string, byLabels: string[]): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (const url of server.urls) {
    const res = await fetch(url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${metricsToken}` } });
    if (!res.ok) throw new Error(`${server.name}: /metrics answered HTTP ${res.status}`);
    for (const line of (await res.text()).split('\n')) {
      if (!line.startsWith(`${metric}{`)) continue;
      const label = byLabels.map((name) => new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1] ?? '').join('/');
      sums[label] = (sums[label] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sums;
}
