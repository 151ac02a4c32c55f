// For tests of the repo's check scripts: a copy of part of the tree in a temp dir (node_modules
// symlinked), and a way to run a script with tsx in the real tree or in such a copy.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = new URL('../..', import.meta.url).pathname;

/** Copies `parts` (files or folders, relative to the root) to a new temp dir, with node_modules symlinked. */
export function copyTree(parts: string[], prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const part of parts) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `node <root>/node_modules/tsx/dist/cli.mjs <script> ...args` in `cwd`; `output` is stderr then stdout. */
export function runScript(cwd: string, script: string, ...args: string[]): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), script, ...args], { cwd, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    // execFileSync's error carries the child's output.
    const failed = error as { stderr: string | Buffer; stdout: string | Buffer };
    return { ok: false, output: String(failed.stderr) + String(failed.stdout) };
  }
}
