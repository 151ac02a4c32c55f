// Standalone entry: `npm run emulator` runs the Jiguang emulator on EMULATOR_HOST:EMULATOR_PORT (default
// 127.0.0.1:4010) with EMULATOR_SEED, EMULATOR_LATENCY_MS and the rate limits from the environment (see
// standalone.ts), prints its demo apps, developer account and Growth project and the `export` lines a
// gateway needs, and stops cleanly (exit 0) on SIGTERM or SIGINT.
import { type Emulator, startEmulator } from './index.js';
import { readStandaloneEnv, startupLines } from './standalone.js';

const read = readStandaloneEnv(process.env);
if (!read.ok) {
  for (const problem of read.problems) console.error(`emulator: ${problem}`);
  process.exit(1);
}
const { config } = read;

let emulator: Emulator;
try {
  emulator = await startEmulator({ ...config.options, port: config.port, host: config.host });
} catch (err) {
  console.error(`could not start the emulator on ${config.host}:${config.port}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
for (const line of startupLines(emulator, config)) console.log(line);

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
