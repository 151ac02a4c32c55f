// The generated resolver types must match schema/: the drift check passes on the committed tree and
// fails as soon as the schema changes without regenerating.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { copyTree, ROOT, runScript } from './helpers/tree-copy.js';

const copy = copyTree(['schema', 'src', 'scripts', 'client', 'codegen.ts', 'package.json'], 'codegen-drift-');
afterAll(() => copy.remove());

const check = (cwd: string) => runScript(cwd, 'scripts/check-codegen.ts');

it('passes on the committed tree and fails when schema/ changes without regenerating', () => {
  expect(check(ROOT)).toMatchObject({ ok: true });
  appendFileSync(join(copy.dir, 'schema/app.graphql'), '\nextend type App {\n  "A field nobody generated."\n  drift: Int\n}\n');
  const result = check(copy.dir);
  expect(result.ok).toBe(false);
  expect(result.output).toMatch(/out of date with schema\/.*npm run codegen/);
}, 60_000);
