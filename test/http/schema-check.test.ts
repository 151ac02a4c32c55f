// scripts/schema-check.ts (npm run schema:check / schema:print) guards schema.graphql, the artifact other
// teams consume: it passes on the committed tree, fails on an unacknowledged breaking change (and
// refuses to print over it), passes once the change is acknowledged and the artifact reprinted, and
// fails on a stale artifact, printing dangerous changes as warnings.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { copyTree, ROOT, runScript } from '../helpers/tree-copy.js';

const copy = copyTree(['schema', 'src', 'scripts', 'schema.graphql', 'schema-breaking-changes.json', 'package.json'], 'schema-check-');
afterAll(() => copy.remove());

const check = (cwd: string) => runScript(cwd, 'scripts/schema-check.ts');
const print = (cwd: string) => runScript(cwd, 'scripts/schema-check.ts', '--write');
const inCopy = (path: string) => join(copy.dir, path);

it('passes on the committed tree', () => {
  const result = check(ROOT);
  expect(result.output).toMatch(/schema\.graphql matches schema\//);
  expect(result.ok).toBe(true);
}, 60_000);

it('fails on an unacknowledged breaking change, and passes once it is acknowledged and printed', () => {
  const app = readFileSync(inCopy('schema/app.graphql'), 'utf8');
  const removed = app.replace(/ {2}"[^"\n]*"\n {2}groupName: String\n/, '');
  expect(removed).not.toBe(app);
  writeFileSync(inCopy('schema/app.graphql'), removed);

  const failed = check(copy.dir);
  expect(failed.ok).toBe(false);
  expect(failed.output).toMatch(/1 breaking change\(s\).*\n {2}FIELD_REMOVED: App\.groupName was removed\./);
  expect(failed.output).toContain('{"type":"FIELD_REMOVED","description":"App.groupName was removed.","reason":"…"}');
  // Printing the artifact does not get around the check.
  expect(print(copy.dir)).toMatchObject({ ok: false });
  expect(appType(readFileSync(inCopy('schema.graphql'), 'utf8'))).toContain('groupName');

  // An acknowledgement without a reason is refused.
  writeFileSync(inCopy('schema-breaking-changes.json'), JSON.stringify([{ type: 'FIELD_REMOVED', description: 'App.groupName was removed.' }]));
  expect(check(copy.dir).output).toMatch(/schema-breaking-changes\.json is malformed: entry 0/);

  writeFileSync(
    inCopy('schema-breaking-changes.json'),
    JSON.stringify([{ type: 'FIELD_REMOVED', description: 'App.groupName was removed.', reason: 'No client reads it (test).' }], null, 2),
  );
  // Acknowledged, but schema.graphql must still be reprinted for the other teams.
  const stale = check(copy.dir);
  expect(stale.ok).toBe(false);
  expect(stale.output).not.toMatch(/does not acknowledge/);
  expect(stale.output).toMatch(/out of date with schema\/ \(1 acknowledged breaking change\(s\)\)\. Run `npm run schema:print`/);

  expect(print(copy.dir)).toMatchObject({ ok: true });
  const printedApp = appType(readFileSync(inCopy('schema.graphql'), 'utf8'));
  expect(printedApp).toMatch(/^\ntype App \{/);
  expect(printedApp).not.toContain('groupName');
  const passed = check(copy.dir);
  expect(passed.output).toMatch(/matches schema\//);
  expect(passed.ok).toBe(true);
}, 60_000);

it('fails on a stale artifact, printing dangerous changes as warnings', () => {
  appendFileSync(inCopy('schema/common.graphql'), '\nextend enum ErrorCode {\n  "A new code (test)."\n  TEST_CODE\n}\n');
  const result = check(copy.dir);
  expect(result.ok).toBe(false);
  expect(result.output).toMatch(/warning, dangerous change: VALUE_ADDED_TO_ENUM: TEST_CODE was added to enum type ErrorCode\./);
  expect(result.output).toMatch(/schema\.graphql is out of date with schema\/\. Run `npm run schema:print`/);
  expect(print(copy.dir)).toMatchObject({ ok: true });
  expect(check(copy.dir)).toMatchObject({ ok: true });
}, 60_000);

/** The `type App { … }` block of a printed schema. */
function appType(printed: string): string {
  return /\ntype App \{[\s\S]*?\n\}/.exec(printed)?.[0] ?? '';
}
