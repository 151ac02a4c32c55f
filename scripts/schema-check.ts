// The schema artifact other teams consume: schema.graphql at the repo root, the executable schema built
// from schema/*.graphql, types sorted, printed by graphql-js.
//
//   tsx scripts/schema-check.ts --write   (npm run schema:print) writes schema.graphql
//   tsx scripts/schema-check.ts           (npm run schema:check) compares schema/ with schema.graphql
//
// The check fails (exit 1) on a breaking change (graphql-js findBreakingChanges) against the committed
// schema.graphql unless schema-breaking-changes.json acknowledges it, on a stale schema.graphql (any
// other difference: run `npm run schema:print`), and on a malformed acknowledgements file. Dangerous
// changes (findDangerousChanges) are printed as warnings. `--write` refuses to overwrite schema.graphql
// while a breaking change is unacknowledged, so printing the artifact does not get around the check.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type BreakingChange,
  buildASTSchema,
  buildSchema,
  concatAST,
  findBreakingChanges,
  findDangerousChanges,
  type GraphQLSchema,
  lexicographicSortSchema,
  parse,
  printSchema,
} from 'graphql';
import { loadTypeDefs } from '../src/schema.ts';

const ARTIFACT = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const ACKNOWLEDGEMENTS = fileURLToPath(new URL('../schema-breaking-changes.json', import.meta.url));

interface Acknowledgement {
  type: string;
  description: string;
  reason: string;
}

const current = buildASTSchema(concatAST(loadTypeDefs().map((source) => parse(source))));
const printed = `${printSchema(lexicographicSortSchema(current))}\n`;
const committedText = existsSync(ARTIFACT) ? readFileSync(ARTIFACT, 'utf8') : undefined;
const committed: GraphQLSchema | undefined = committedText === undefined ? undefined : buildSchema(committedText);

const acknowledgements = readAcknowledgements();
const breaking = committed ? findBreakingChanges(committed, current) : [];
const unacknowledged = breaking.filter((change) => !acknowledgements.some((a) => a.type === change.type && a.description === change.description));

if (unacknowledged.length > 0) {
  console.error(
    `schema: ${unacknowledged.length} breaking change(s) against schema.graphql that schema-breaking-changes.json does not acknowledge:\n` +
      unacknowledged.map((c) => `  ${c.type}: ${c.description}`).join('\n') +
      `\nIf they are intended (and the consumers of schema.graphql agree), add to schema-breaking-changes.json:\n` +
      unacknowledged.map((c: BreakingChange) => `  ${JSON.stringify({ type: c.type, description: c.description, reason: '…' })}`).join(',\n'),
  );
  process.exit(1);
}

if (process.argv.includes('--write')) {
  writeFileSync(ARTIFACT, printed);
  console.log(`schema: wrote schema.graphql (${printed.split('\n').length - 1} lines${breaking.length ? `, ${breaking.length} acknowledged breaking change(s)` : ''}).`);
  process.exit(0);
}

if (committed === undefined) {
  console.error('schema: schema.graphql is missing. Run `npm run schema:print` and commit the result.');
  process.exit(1);
}
for (const change of findDangerousChanges(committed, current)) console.warn(`schema: warning, dangerous change: ${change.type}: ${change.description}`);
if (committedText !== printed) {
  console.error(
    `schema: schema.graphql is out of date with schema/${breaking.length ? ` (${breaking.length} acknowledged breaking change(s))` : ''}. ` +
      'Run `npm run schema:print` and commit the result.',
  );
  process.exit(1);
}
const obsolete = acknowledgements.length;
console.log(`schema: schema.graphql matches schema/${obsolete ? ` (${obsolete} acknowledgement(s) already part of it; they may be removed)` : ''}.`);

/** The acknowledged breaking changes; exits on a malformed file. A missing file acknowledges nothing. */
function readAcknowledgements(): Acknowledgement[] {
  if (!existsSync(ACKNOWLEDGEMENTS)) return [];
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(ACKNOWLEDGEMENTS, 'utf8'));
  } catch (error) {
    return fail(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(value)) return fail('must be an array of { "type", "description", "reason" }');
  value.forEach((entry, i) => {
    const ok = typeof entry === 'object' && entry !== null && ['type', 'description', 'reason'].every((key) => typeof entry[key] === 'string' && entry[key].trim() !== '');
    if (!ok) fail(`entry ${i} must have non-empty string "type", "description" and "reason"`);
  });
  return value as Acknowledgement[];

  function fail(problem: string): never {
    console.error(`schema: schema-breaking-changes.json is ${problem.startsWith('entry') ? 'malformed: ' : ''}${problem}.`);
    process.exit(1);
  }
}
