// The generated resolver types must match schema/: the drift check passes on the committed tree and
// fails as soon as the schema changes without regenerating.
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const copy = mkdtempSync(join(tmpdir(), 'codegen-drift-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function check(cwd: string): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/check-codegen.ts'], { cwd, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error: any) {
    return { ok: false, output: String(error.stderr) + String(error.stdout) };
  }
}

it('passes on the committed tree and fails when schema/ changes without regenerating', () => {
  expect(check(root)).toMatchObject({ ok: true });
  for (const part of ['schema', 'src', 'scripts', 'codegen.ts', 'package.json']) cpSync(join(root, part), join(copy, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  appendFileSync(join(copy, 'schema/app.graphql'), '\nextend type App {\n  "A field nobody generated."\n  drift: Int\n}\n');
  const result = check(copy);
  expect(result.ok).toBe(false);
  expect(result.output).toMatch(/out of date with schema\/.*npm run codegen/);
}, 60_000);
