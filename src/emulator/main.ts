// Standalone entry: `npx tsx src/emulator/main.ts` runs the Jiguang emulator on EMULATOR_HOST:EMULATOR_PORT
// (default 127.0.0.1:4010) and prints its demo apps, developer account and Growth project.
import { startEmulator, type Emulator } from './index.js';

const port = Number(process.env.EMULATOR_PORT ?? 4010);
const host = process.env.EMULATOR_HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`EMULATOR_PORT must be a port number, got ${process.env.EMULATOR_PORT}`);
  process.exit(1);
}

let emulator: Emulator;
try {
  emulator = await startEmulator({ port, host });
} catch (err) {
  console.error(`could not start the emulator on ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
console.log(`Jiguang emulator listening at ${emulator.url}`);
console.log('Seeded demo apps (FAKE demo credentials, not real Jiguang secrets):');
for (const app of emulator.apps) {
  console.log(`  appKey=${app.appKey}  name=${JSON.stringify(app.name)}  masterSecret=${app.masterSecret} (fake demo value)`);
}
console.log(`Developer account (JPush Admin, JVerification Admin): devKey=${emulator.developer.devKey}  devSecret=${emulator.developer.devSecret} (fake demo value)`);
console.log(`Operation Growth project: projectId=${emulator.growthProject.projectId}  projectSecret=${emulator.growthProject.projectSecret} (fake demo value)`);
console.log(`Control: POST/DELETE ${emulator.url}/__emulator/faults, GET ${emulator.url}/__emulator/calls`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`received ${signal}, shutting down`);
  await emulator.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
