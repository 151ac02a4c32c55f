// The machine a result was measured on, printed first: results from different machines (or from
// a busy one) do not compare.
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import type { Pinning } from './processes.js';

export function machineLines(pinning: Pinning): string[] {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? model;
  } catch {
    // not Linux
  }
  const [one, five] = loadavg();
  const lines = [
    `machine: ${model}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}; Node ${process.version}`,
    `taskset: ${pinning.note}`,
    `load average before the run: ${one?.toFixed(2)} (1 min), ${five?.toFixed(2)} (5 min)`,
  ];
  if ((one ?? 0) > 0.5) lines.push('  ! the machine is busy with other work: absolute numbers will be low and noisy; the interleaved ratios hold better');
  return lines;
}
