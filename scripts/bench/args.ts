// The command line of `npm run bench -- …`.
export const SCENARIO_NAMES = ['page', 'stats', 'bykey', 'latency', 'dashboard', 'limits', 'fleet'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Options {
  quick: boolean;
  only: Set<ScenarioName>;
  /** Soak minutes, or null when not soaking. */
  soakMinutes: number | null;
  /** Emulator latency per call in the CPU scenarios. */
  latencyMs: number;
  connections: number;
  warmupSec: number;
  durationSec: number;
  reps: number;
  replicas: number;
  users: number;
  dashboardRate: number;
  dashboardSec: number;
  dashboardLatencyMs: number;
  limitReps: number;
  gatewayEnv: Record<string, string>;
  /** Where the gateway writes V8 CPU profiles (node --cpu-prof), or null. */
  profileDir: string | null;
  /** Heap snapshots under load: null = none; '' = a new folder in the OS temp dir, kept. */
  heapDir: string | null;
  build: boolean;
  /** Run the gateway as plain `node dist/main.js`, without npm start's flags. */
  bareNode: boolean;
  pin: boolean;
  keep: boolean;
}

export const USAGE = `npm run bench -- [options]
  --quick                 a smoke run of seconds (short runs, 2 repetitions, a 5 s dashboard)
  --only a,b              only these scenarios: ${SCENARIO_NAMES.join(', ')}
  --soak [minutes]        soak mode instead: 50 connections on one page for 3 minutes (default), RSS sampled
  --latency MS            emulator latency per call in the CPU scenarios (default 3)
  --connections N         connections of the CPU scenarios (default 50)
  --duration S            seconds of each measured run (default 10)
  --warmup S              seconds of warm-up per server and scenario (default 3)
  --reps N                measured runs per server, interleaved (default 3)
  --replicas N            gateway processes in the CPU scenarios, connections spread over them (default 1)
  --users N               dashboard users (default 20)
  --dashboard-rate R      dashboards opened per second by all users together (default 40)
  --dashboard-seconds S   length of the cold and of the warm dashboard phase (default 60)
  --gateway-env K=V       an extra gateway setting (repeatable), e.g. DATABASE_URL=… REDIS_URL=…
  --profile DIR           run the gateway under node --cpu-prof, its profiles written to DIR when it stops
  --heap [DIR]            one heap snapshot of the gateway per scenario at --connections (page, stats, bykey),
                          taken halfway through an extra, uncounted run after the measured ones, written to DIR
                          (default: a new jiguang-bench-heap-* folder in the OS temp dir, kept) and summarized
  --no-build              use dist/ as it is instead of running npm run build's step first
  --bare-node             run the gateway as plain node dist/main.js, without npm start's heap and malloc flags
  --no-pin                do not pin processes to cores
  --keep                  keep the temporary folder (gateway logs, registry files)`;

export function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = {
    quick,
    only: new Set(SCENARIO_NAMES),
    soakMinutes: null,
    latencyMs: 3,
    connections: 50,
    warmupSec: quick ? 0.5 : 3,
    durationSec: quick ? 1 : 10,
    reps: quick ? 2 : 3,
    replicas: 1,
    users: 20,
    dashboardRate: 40,
    dashboardSec: quick ? 5 : 60,
    dashboardLatencyMs: 30,
    limitReps: quick ? 20 : 200,
    gatewayEnv: {},
    profileDir: null,
    heapDir: null,
    build: true,
    bareNode: false,
    pin: true,
    keep: false,
  };
  const number = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} needs a number of at least ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = () => argv[++i];
    switch (arg) {
      case '--quick':
        break;
      case '--only': {
        const names = (next() ?? '').split(',').filter(Boolean);
        const unknown = names.filter((n) => !(SCENARIO_NAMES as readonly string[]).includes(n));
        if (names.length === 0 || unknown.length > 0)
          throw new UsageError(`--only takes some of ${SCENARIO_NAMES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
        o.only = new Set(names as ScenarioName[]);
        break;
      }
      case '--soak': {
        const value = argv[i + 1];
        o.soakMinutes = value !== undefined && /^\d+(\.\d+)?$/.test(value) ? number('--soak', next(), 0.1) : 3;
        break;
      }
      case '--latency':
        o.latencyMs = number(arg, next(), 0);
        break;
      case '--connections':
        o.connections = number(arg, next(), 1);
        break;
      case '--duration':
        o.durationSec = number(arg, next(), 0.5);
        break;
      case '--warmup':
        o.warmupSec = number(arg, next(), 0);
        break;
      case '--reps':
        o.reps = number(arg, next(), 1);
        break;
      case '--replicas':
        o.replicas = number(arg, next(), 1);
        break;
      case '--users':
        o.users = number(arg, next(), 1);
        break;
      case '--dashboard-rate':
        o.dashboardRate = number(arg, next(), 1);
        break;
      case '--dashboard-seconds':
        o.dashboardSec = number(arg, next(), 1);
        break;
      case '--gateway-env': {
        const [key, ...rest] = (next() ?? '').split('=');
        if (!key || rest.length === 0) throw new UsageError('--gateway-env takes KEY=VALUE');
        o.gatewayEnv[key] = rest.join('=');
        break;
      }
      case '--profile': {
        const dir = next();
        if (!dir) throw new UsageError('--profile takes a folder');
        o.profileDir = dir;
        break;
      }
      case '--heap': {
        const value = argv[i + 1];
        o.heapDir = value !== undefined && !value.startsWith('--') ? next()! : '';
        break;
      }
      case '--no-build':
        o.build = false;
        break;
      case '--bare-node':
        o.bareNode = true;
        break;
      case '--no-pin':
        o.pin = false;
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (o.heapDir !== null && (o.soakMinutes !== null || !['page', 'stats', 'bykey'].some((s) => o.only.has(s as ScenarioName))))
    throw new UsageError('--heap takes its snapshots in the scenarios at --connections: page, stats or bykey (not in --soak)');
  return o;
}

export class UsageError extends Error {}
