// `npm run emulator`: what the standalone emulator reads from the environment (validated, every problem
// reported at once) and what it prints, including the shell lines that point a gateway at it.
import type { Emulator, EmulatorOptions } from './types.js';

export interface StandaloneConfig {
  port: number;
  host: string;
  options: EmulatorOptions;
}

/** Variables read, with their defaults (see EmulatorOptions). */
export const STANDALONE_DEFAULTS = {
  EMULATOR_PORT: 4010,
  EMULATOR_HOST: '127.0.0.1',
  EMULATOR_SEED: 1,
  EMULATOR_LATENCY_MS: 0,
  EMULATOR_JMLINK_LINKS_PER_MINUTE: 100,
  EMULATOR_JMLINK_STATS_PER_MINUTE: 500,
  EMULATOR_GROWTH_PER_SECOND: 100,
} as const;

type IntVariable = Exclude<keyof typeof STANDALONE_DEFAULTS, 'EMULATOR_HOST'>;

const RANGES: Record<IntVariable, [min: number, max: number, what: string]> = {
  EMULATOR_PORT: [0, 65_535, 'a port number (0 picks a free one)'],
  EMULATOR_SEED: [0, Number.MAX_SAFE_INTEGER, 'a non-negative integer'],
  EMULATOR_LATENCY_MS: [0, 600_000, 'milliseconds from 0 to 600000'],
  EMULATOR_JMLINK_LINKS_PER_MINUTE: [1, 1_000_000, 'a positive integer (calls a minute per AppKey)'],
  EMULATOR_JMLINK_STATS_PER_MINUTE: [1, 1_000_000, 'a positive integer (calls a minute per AppKey)'],
  EMULATOR_GROWTH_PER_SECOND: [1, 1_000_000, 'a positive integer (calls a second per project)'],
};

/** The configuration from the environment, or every problem found (an empty value counts as unset). */
export function readStandaloneEnv(env: Record<string, string | undefined>): { ok: true; config: StandaloneConfig } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const int = (name: IntVariable): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return STANDALONE_DEFAULTS[name];
    const [min, max, what] = RANGES[name];
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) problems.push(`${name} must be ${what}, got ${JSON.stringify(env[name])}`);
    return n;
  };
  const config: StandaloneConfig = {
    port: int('EMULATOR_PORT'),
    host: env.EMULATOR_HOST?.trim() || STANDALONE_DEFAULTS.EMULATOR_HOST,
    options: {
      seed: int('EMULATOR_SEED'),
      latencyMs: int('EMULATOR_LATENCY_MS'),
      rateLimits: {
        jmlinkLinksPerMinute: int('EMULATOR_JMLINK_LINKS_PER_MINUTE'),
        jmlinkStatsPerMinute: int('EMULATOR_JMLINK_STATS_PER_MINUTE'),
        growthPerSecond: int('EMULATOR_GROWTH_PER_SECOND'),
      },
    },
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** A shell word: bare when it has no special character, else in single quotes. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The gateway's upstream URL variables, all pointing at one emulator. */
export const UPSTREAM_URL_VARIABLES = ['JIGUANG_JMLINK_URL', 'JIGUANG_PORTRAIT_URL', 'JIGUANG_PUSH_ADMIN_URL', 'JIGUANG_VERIFICATION_ADMIN_URL', 'JIGUANG_GROWTH_URL'] as const;

/** `export` lines that point a gateway at this emulator: its apps, developer account, Growth project and URLs. */
export function gatewayExports(emulator: Emulator): string[] {
  const apps = emulator.apps.map(({ appKey, masterSecret, name, androidPackage, groupName }) => ({ appKey, masterSecret, name, androidPackage, groupName }));
  const pairs = (vars: [string, string][]) => `export ${vars.map(([k, v]) => `${k}=${shellWord(v)}`).join(' ')}`;
  return [
    `export JIGUANG_APPS='${JSON.stringify(apps).replace(/'/g, `'\\''`)}'`,
    pairs([
      ['JIGUANG_DEV_KEY', emulator.developer.devKey],
      ['JIGUANG_DEV_SECRET', emulator.developer.devSecret],
      ['JIGUANG_GROWTH_PROJECT_ID', emulator.growthProject.projectId],
      ['JIGUANG_GROWTH_PROJECT_SECRET', emulator.growthProject.projectSecret],
    ]),
    pairs(UPSTREAM_URL_VARIABLES.map((k) => [k, emulator.url])),
  ];
}

/** Everything `npm run emulator` prints once it listens. */
export function startupLines(emulator: Emulator, config: StandaloneConfig): string[] {
  const { seed, latencyMs, rateLimits } = config.options;
  const u = emulator.url;
  return [
    `Jiguang emulator listening at ${u}`,
    `Settings: seed=${seed} latencyMs=${latencyMs} JMLink ${rateLimits?.jmlinkLinksPerMinute} link queries and ${rateLimits?.jmlinkStatsPerMinute} stats calls a minute per AppKey, Growth ${rateLimits?.growthPerSecond} calls a second`,
    'Seeded demo apps (FAKE demo credentials, not real Jiguang secrets):',
    ...emulator.apps.map((app) => `  appKey=${app.appKey}  name=${JSON.stringify(app.name)}  masterSecret=${app.masterSecret} (fake demo value)`),
    `Developer account (JPush Admin, JVerification Admin): devKey=${emulator.developer.devKey}  devSecret=${emulator.developer.devSecret} (fake demo value)`,
    `Operation Growth project: projectId=${emulator.growthProject.projectId}  projectSecret=${emulator.growthProject.projectSecret} (fake demo value)`,
    `Control: POST/DELETE ${u}/__emulator/faults, GET ${u}/__emulator/calls, GET ${u}/__emulator/calls/max-per-window?windowMs=60000`,
    '# To point a gateway at this emulator, paste these lines (FAKE demo credentials):',
    ...gatewayExports(emulator),
    '# The gateway also needs GATEWAY_TOKENS and GATEWAY_REGISTRY_KEY once credentials are set (see docs/configuration.md).',
  ];
}
