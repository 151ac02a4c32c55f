// Fuzz campaign against the gateway and the Jiguang emulator, both started in this process (the test
// harness). Cases come from test/fuzz/generate.ts: case i of seed s is always the same request.
//
//   npm run fuzz -- N SEED                 N cases (default 2000) with SEED (default 1)
//   npm run fuzz -- N SEED --start I       cases I … I+N-1
//   npm run fuzz -- --only 12,345 SEED     just these cases, each printed in full with its answer
//   options: --concurrency C (default 4), --bound MS (per-answer bound, default 2000),
//            --hang MS (give up on an answer, default 10000), --show (print every failure's request in full),
//            --trusted (against a gateway with GATEWAY_TRUSTED_DOCUMENTS=true and introspection off)
//
// Prints the counts by status, by error code and by family, every failure with its reproduction, the
// answers that carried INTERNAL_SERVER_ERROR, the gateway's error log lines and the 10 slowest cases;
// exits 1 on any failure, any INTERNAL_SERVER_ERROR answer, or when /health does not answer 200 at the end.
import { caseLabel, describeRequest, type Outcome, runFuzz, type Summary, startFuzzTarget, TRUSTED_ENV } from '../test/fuzz/run.js';
import { startWatchdog } from '../test/fuzz/watchdog.js';

function parseArgs(argv: string[]) {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const name = a.slice(2);
      if (name === 'show' || name === 'trusted') flags[name] = true;
      else flags[name] = argv[++i] ?? '';
    } else positional.push(a);
  }
  const only = typeof flags.only === 'string' ? flags.only.split(',').map(Number) : null;
  const count = only ? only.length : Number(positional[0] ?? 2000);
  const seed = Number(only ? (positional[0] ?? 1) : (positional[1] ?? 1));
  const num = (name: string, fallback: number) => (typeof flags[name] === 'string' ? Number(flags[name]) : fallback);
  const start = num('start', 0);
  const indices = only ?? Array.from({ length: count }, (_, i) => start + i);
  const options = {
    seed,
    indices,
    concurrency: num('concurrency', 4),
    boundMs: num('bound', 2_000),
    hangMs: num('hang', 10_000),
    show: flags.show === true || only !== null,
    trusted: flags.trusted === true,
  };
  for (const [k, v] of Object.entries({ count, seed, start, concurrency: options.concurrency, bound: options.boundMs, hang: options.hangMs })) {
    if (typeof v === 'number' && (!Number.isInteger(v) || v < 0)) throw new Error(`fuzz: ${k} must be a whole number ≥ 0 (got ${v})`);
  }
  return options;
}

const table = (title: string, counts: Record<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of Object.entries(counts).sort((a, b) => b[1] - a[1])) console.log(`  ${String(v).padStart(7)}  ${k}`);
};

function print(s: Summary, show: boolean, replayed: Outcome[]): void {
  console.log(`\n${s.total} cases, seed ${s.seed}, ${(s.ms / 1000).toFixed(1)} s (${(s.total / (s.ms / 1000)).toFixed(0)} cases/s)`);
  table('by status', s.byStatus);
  table('by error code (answers carrying it)', s.byCode);
  table('by status and the error codes of the answer', s.byStatusAndCodes);
  console.log('\nby family');
  for (const [family, counts] of Object.entries(s.byFamily).sort()) {
    const line = Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}:${v}`)
      .join('  ');
    console.log(`  ${family.padEnd(15)} ${line}`);
  }
  console.log('\nby variant (status counts)');
  for (const [variant, counts] of Object.entries(s.byVariant).sort()) {
    const line = Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}:${v}`)
      .join('  ');
    console.log(`  ${variant.padEnd(38)} ${line}`);
  }
  const detail = (o: Outcome) => {
    console.log(`\n- ${caseLabel(o)}`);
    for (const f of o.failures) console.log(`    FAIL ${f}`);
    if (o.note) console.log(`    note: ${o.note.slice(0, 300)}`);
    console.log(
      describeRequest(o.case, show ? 1e9 : 1_500)
        .split('\n')
        .map((l) => `    | ${l}`)
        .join('\n'),
    );
    if (o.answer)
      console.log(
        o.answer
          .split('\n')
          .map((l) => `    > ${l}`)
          .join('\n'),
      );
    console.log(`    reproduce: npm run fuzz -- --only ${o.case.index} ${o.case.seed}${options.trusted ? ' --trusted' : ''}`);
  };
  console.log(`\nfailures: ${s.failureCount}${s.failureCount > s.failures.length ? ` (first ${s.failures.length} listed)` : ''}`);
  s.failures.forEach(detail);
  if (s.internalCount > 0) {
    console.log(`\nanswers with INTERNAL_SERVER_ERROR (an unexpected exception inside the gateway): ${s.internalCount}`);
    s.internal.slice(0, 20).forEach(detail);
  }
  if (Object.keys(s.logProblems).length > 0) table('gateway error log lines', s.logProblems);
  console.log('\n10 slowest');
  for (const o of s.slowest) console.log(`  ${String(Math.round(o.ms)).padStart(6)} ms  ${caseLabel(o)}`);
  if (replayed.length > 0) {
    console.log('\nthe cases, with their answers');
    replayed.forEach(detail);
  }
  console.log(`\n/health after the run: ${s.health.status ?? 'no answer'}`);
}

const options = parseArgs(process.argv.slice(2));
// An exception escaping the gateway would end a real process: count it as a failure, finish the run.
const escaped: string[] = [];
process.on('uncaughtException', (e) => escaped.push(`uncaughtException: ${e.stack ?? e}`));
process.on('unhandledRejection', (e) => escaped.push(`unhandledRejection: ${e instanceof Error ? e.stack : String(e)}`));

const { harness, target, ctx } = await startFuzzTarget(options.trusted ? TRUSTED_ENV : {});
console.log(
  `gateway ${target.url}${options.trusted ? ' (trusted documents, no introspection)' : ''}, emulator ${harness.emulator.url}; ` +
    `${options.indices.length} cases, seed ${options.seed}, concurrency ${options.concurrency}, bound ${options.boundMs} ms`,
);
// The gateway shares this process: a case that blocks the event loop is named by a watchdog thread,
// which ends the process if the loop stays blocked for two minutes.
const watchdog = startWatchdog({ stallMs: 3_000, exitAfterMs: 120_000 });
let lastReport = performance.now();
const replaying = process.argv.includes('--only');
const replayed: Outcome[] = [];
const summary = await runFuzz(target, ctx, {
  ...options,
  keepAnswers: replaying,
  watchdog,
  logs: harness.logs,
  onOutcome: (o, done) => {
    if (replaying) replayed.push(o);
    if (o.failures.length > 0) console.log(`FAIL ${caseLabel(o)}: ${o.failures.join('; ')}`);
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.log(`… ${done}/${options.indices.length}`);
    }
  },
});
await watchdog.stop();
for (const stall of watchdog.stalls()) escaped.push(`the event loop was blocked for ${stall.ms} ms or more; cases in flight:\n    ${stall.inFlight.join('\n    ')}`);
print(summary, options.show, replayed);
if (escaped.length > 0) {
  console.log(`\nexceptions that escaped the gateway: ${escaped.length}`);
  for (const e of escaped.slice(0, 10)) console.log(`  ${e}`);
}
await harness.close();
// An INTERNAL_SERVER_ERROR is in the enum, but it is an exception the gateway did not expect: a defect too.
const failed = summary.failureCount > 0 || summary.internalCount > 0 || !summary.health.ok || escaped.length > 0;
console.log(failed ? '\nFAILED' : '\nOK');
process.exit(failed ? 1 : 0);
