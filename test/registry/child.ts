// A second (third, …) gateway process for the registry tests, run with `node --import tsx child.ts '<json>'`
// (see startChild in helpers.ts). It reports what happened as JSON lines on stdout. The registry key
// comes in REGISTRY_TEST_KEY (hex), not on the command line. The PostgreSQL tasks report "ready" and
// wait for a line "go" on stdin, so that several children act at the same moment (runTogether).
import { createInterface } from 'node:readline';
import { Pool } from 'pg';
import { type AppRegistry, openFileRegistry, RegistryError } from '../../src/registry/index.js';
import { applyMigrations } from '../../src/registry/migrate.js';
import { openPostgresRegistry } from '../../src/registry/postgres.js';

export type ChildTask =
  /** Opens the registry file; with `hold`, keeps it open until a line "close" arrives on stdin. */
  | { mode: 'file-open'; path: string; hold?: boolean }
  /** Applies the PostgreSQL migrations. */
  | { mode: 'pg-migrate'; url: string; schema: string }
  /** Opens the PostgreSQL registry. */
  | { mode: 'pg-open'; url: string; schema: string }
  /** Upserts `apps` apps named `<prefix>NN` with secrets, interleaved with `increments` increments of counters/shared. */
  | { mode: 'pg-write'; url: string; schema: string; prefix: string; apps: number; increments: number };

const report = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const key = Buffer.from(process.env.REGISTRY_TEST_KEY ?? '', 'hex');
const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;

const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
/** Reads stdin up to a line equal to `word` (or its end). */
async function waitFor(word: string): Promise<void> {
  for (;;) {
    const { value, done } = await stdin.next();
    if (done || value === word) return;
  }
}
/** Reports "ready" and waits for "go". */
async function ready(): Promise<void> {
  report({ event: 'ready' });
  await waitFor('go');
}

async function openOrReport(open: () => Promise<AppRegistry>): Promise<AppRegistry | undefined> {
  try {
    const registry = await open();
    report({ event: 'opened', pid: process.pid });
    return registry;
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    report({ event: 'refused', code: error.code, message: error.message });
    return undefined;
  }
}

switch (task.mode) {
  case 'file-open': {
    const registry = await openOrReport(() => openFileRegistry({ path: task.path, key }));
    if (registry && task.hold) await waitFor('close');
    await registry?.close();
    report({ event: 'closed' });
    break;
  }
  case 'pg-migrate': {
    const pool = new Pool({ connectionString: task.url, max: 1 });
    await pool.query('SELECT 1'); // connected before "go"
    await ready();
    report({ event: 'migrated', applied: await applyMigrations(pool, task.schema) });
    await pool.end();
    break;
  }
  case 'pg-open': {
    await ready();
    const registry = await openOrReport(() => openPostgresRegistry({ url: task.url, key, schema: task.schema }));
    await registry?.close();
    break;
  }
  case 'pg-write': {
    const registry = await openPostgresRegistry({ url: task.url, key, schema: task.schema, poolSize: 4 });
    await ready();
    const from = Date.now();
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < Math.max(task.apps, task.increments); i++) {
      const appKey = `${task.prefix}${String(i).padStart(2, '0')}`;
      if (i < task.apps)
        writes.push(registry.upsert({ appKey, name: `App ${appKey}`, androidPackage: `com.example.${appKey}`, groupName: null, source: 'created' }, `secret-${appKey}`));
      if (i < task.increments) writes.push(registry.updateRecord<number>('counters', 'shared', (n) => (n ?? 0) + 1));
    }
    await Promise.all(writes);
    const to = Date.now();
    await registry.close();
    report({ event: 'done', writes: writes.length, from, to });
    break;
  }
}
process.stdin.destroy(); // or it keeps the process alive
