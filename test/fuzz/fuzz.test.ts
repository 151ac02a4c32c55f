// The gateway is hard to break: a few thousand generated cases with a fixed seed — valid, mutated and
// hostile GraphQL documents and variables, and malformed HTTP — against the real server and the
// emulator (test/fuzz/generate.ts, run by test/fuzz/run.ts). No answer is a 5xx, every answer comes
// within the bound, every error code is one of the schema's ErrorCode enum, no answer holds a secret,
// no case makes the gateway throw unexpectedly, and /health still answers at the end. Then a smaller
// campaign against the production settings (trusted documents, no introspection).
//
// Longer campaigns: `npm run fuzz -- N SEED` (scripts/fuzz.ts). A failing case is replayed alone,
// printed in full, with `npm run fuzz -- --only <index> <seed>` (add `--trusted` for the second campaign).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILY_WEIGHTS } from './generate.js';
import { caseLabel, describeRequest, type FuzzTarget, type Outcome, oneLine, runFuzz, type Summary, startFuzzTarget, TRUSTED_ENV } from './run.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

const SEED = 20_261_125;
const CONCURRENCY = 4;
const BOUND_MS = 2_000;

/** Failures as a readable list: what went wrong, the request, and how to replay the case. */
function report(outcomes: Outcome[], replayFlags: string): string {
  return outcomes
    .slice(0, 15)
    .map(
      (o) =>
        `${caseLabel(o)}\n  ${o.failures.join('\n  ') || o.note || ''}\n${describeRequest(o.case, 600).replace(/^/gm, '    | ')}\n  replay: npm run fuzz -- --only ${o.case.index} ${o.case.seed}${replayFlags}`,
    )
    .join('\n\n');
}

/** What the assertions compare: one short line per case (the message above them has the requests). */
const labels = (outcomes: Outcome[]) => outcomes.map((o) => `${caseLabel(o)}: ${o.failures.join('; ').slice(0, 200)}`);

function campaign(name: string, options: { cases: number; env: Record<string, string>; replayFlags: string; meaningful: (s: Summary) => void }) {
  describe(`fuzz (${name}): ${options.cases} cases, seed ${SEED}`, () => {
    let t: FuzzTarget;
    let watchdog: Watchdog;
    let summary: Summary;
    const failing = (pattern: RegExp) => summary.failures.filter((o) => o.failures.some((f) => pattern.test(f)));
    const expectNone = (outcomes: Outcome[]) => expect(labels(outcomes), report(outcomes, options.replayFlags)).toEqual([]);

    beforeAll(async () => {
      t = await startFuzzTarget(options.env);
      // The gateway runs in this process: a case that blocks the event loop is named by this thread
      // (and the process ended after a minute rather than hanging the suite).
      watchdog = startWatchdog({ stallMs: BOUND_MS, exitAfterMs: 60_000 });
      summary = await runFuzz(t.target, t.ctx, {
        seed: SEED,
        indices: Array.from({ length: options.cases }, (_, i) => i),
        concurrency: CONCURRENCY,
        boundMs: BOUND_MS,
        hangMs: 5_000,
        logs: t.harness.logs,
        watchdog,
      });
      console.log(`${name}: ${oneLine(summary)}`);
    }, 120_000);

    afterAll(async () => {
      await watchdog?.stop();
      await t?.harness.close();
    });

    it('ran every case, in every family, and the cases are meaningful', () => {
      expect(summary.total).toBe(options.cases);
      for (const [, family] of FAMILY_WEIGHTS)
        expect(
          Object.values(summary.byFamily[family] ?? {}).reduce((a, b) => a + b, 0),
          family,
        ).toBeGreaterThan(options.cases / 50);
      // 429 is a legitimate answer, but a campaign answered mostly 429 tests nothing.
      expect(summary.byStatus['429'] ?? 0).toBeLessThan(options.cases / 20);
      expect(summary.byStatus.unsent ?? 0).toBe(0);
      options.meaningful(summary);
    });

    it('no answer is a 5xx', () => {
      expectNone(failing(/^HTTP 5\d\d/));
    });

    it('every answer comes, within the bound', () => {
      expectNone(failing(/^(slow|no answer)/));
      expect(watchdog.stalls(), 'the event loop was blocked').toEqual([]);
    });

    it('every errors[].extensions.code is in the ErrorCode enum, in well-formed JSON', () => {
      expectNone(failing(/extensions\.code|not JSON|"errors"|neither "data"/));
    });

    it('no answer contains a secret', () => {
      expectNone(failing(/contains the/));
    });

    it('no case makes the gateway fail unexpectedly (INTERNAL_SERVER_ERROR, error log lines)', () => {
      expectNone(summary.internal);
      expect(summary.logProblems).toEqual({});
    });

    it('/health still answers 200 after everything', () => {
      expect(summary.health.status).toBe(200);
    });

    it('nothing else failed', () => {
      expectNone(summary.failures);
    });
  });
}

const total = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

campaign('default settings', {
  cases: 3_000,
  env: {},
  replayFlags: '',
  meaningful: (s) => {
    // Valid documents mostly succeed: otherwise the fuzzer only meets refusals (auth, limits, …).
    const valid = s.byFamily['valid-query'];
    expect((valid?.['200'] ?? 0) / total(valid)).toBeGreaterThan(0.6);
  },
});

campaign('trusted documents, no introspection', {
  cases: 600,
  env: TRUSTED_ENV,
  replayFlags: ' --trusted',
  meaningful: (s) => {
    // Documents outside the manifest are refused before anything runs; ids from it still run.
    expect(s.byCode.PERSISTED_DOCUMENT_REQUIRED ?? 0).toBeGreaterThan(100);
    expect(s.byVariant['http/persisted']?.['200'] ?? 0).toBeGreaterThan(0);
  },
});
