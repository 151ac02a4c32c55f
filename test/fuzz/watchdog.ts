// A watchdog on its own thread. The gateway runs in the fuzzer's process, so a case that blocks the
// event loop (a synchronous computation that does not end) also stops every timer of the fuzzer: only
// another thread can notice. The main thread reports the cases it has in flight and beats every
// 100 ms; after `stallMs` without a beat the watchdog writes the cases in flight to stderr (and to the
// file given, if any) and, when `exitAfterMs` passes too, ends the process.
import { Worker } from 'node:worker_threads';

export interface Watchdog {
  started(index: number, label: string): void;
  finished(index: number): void;
  /** Cases the watchdog saw blocking the loop for longer than stallMs (reported once the loop is back). */
  stalls(): { ms: number; inFlight: string[] }[];
  stop(): Promise<void>;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync, appendFileSync } = require('node:fs');
const inFlight = new Map();
let last = Date.now();
let reported = false;
parentPort.on('message', (m) => {
  if (m.t === 'beat') { last = Date.now(); reported = false; }
  else if (m.t === 'start') inFlight.set(m.i, m.label);
  else if (m.t === 'end') inFlight.delete(m.i);
});
setInterval(() => {
  const quiet = Date.now() - last;
  if (quiet > workerData.stallMs && !reported) {
    reported = true;
    const text = '\\n[fuzz watchdog] the event loop has been blocked for ' + quiet + ' ms; cases in flight:\\n' + [...inFlight.values()].map((l) => '  ' + l).join('\\n') + '\\n';
    writeSync(2, text);
    if (workerData.file) appendFileSync(workerData.file, text);
    parentPort.postMessage({ t: 'stall', ms: quiet, inFlight: [...inFlight.values()] });
  }
  if (workerData.exitAfterMs > 0 && quiet > workerData.exitAfterMs) {
    writeSync(2, '[fuzz watchdog] still blocked after ' + quiet + ' ms: ending the process\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 250);
`;

export function startWatchdog(options: { stallMs: number; exitAfterMs?: number; file?: string }): Watchdog {
  const worker = new Worker(WORKER, { eval: true, workerData: { stallMs: options.stallMs, exitAfterMs: options.exitAfterMs ?? 0, file: options.file } });
  worker.unref();
  const stalls: { ms: number; inFlight: string[] }[] = [];
  worker.on('message', (m: { t: string; ms: number; inFlight: string[] }) => {
    if (m.t === 'stall') stalls.push({ ms: m.ms, inFlight: m.inFlight });
  });
  const beat = setInterval(() => worker.postMessage({ t: 'beat' }), 100);
  beat.unref();
  return {
    started: (i, label) => worker.postMessage({ t: 'start', i, label }),
    finished: (i) => worker.postMessage({ t: 'end', i }),
    stalls: () => stalls,
    async stop() {
      clearInterval(beat);
      await worker.terminate();
    },
  };
}
