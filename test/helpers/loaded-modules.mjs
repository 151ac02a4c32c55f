// Which modules a process loads: `node --import ./test/helpers/loaded-modules.mjs …` with
// LOADED_MODULES_LOG=<file> appends to that file, one URL a line, every module the ESM loader
// resolves (a module.register() resolve hook, so every static and dynamic import of the process) and,
// when the process exits, every CommonJS module in require's cache (what CommonJS packages required
// in their turn). Plain JavaScript, so that it runs under `node dist/main.js` as well as under tsx.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const mainLog = process.env.LOADED_MODULES_LOG;
// The hooks run on a thread of their own, which imports this file again: only the process registers.
if (isMainThread && mainLog) {
  register(import.meta.url, { data: { log: mainLog } });
  const { cache } = createRequire(import.meta.url);
  process.on('exit', () => {
    const required = Object.keys(cache).map((file) => pathToFileURL(file).href);
    if (required.length > 0) appendFileSync(mainLog, `${required.join('\n')}\n`);
  });
}

let hookLog;

export function initialize(data) {
  hookLog = data?.log;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (hookLog) appendFileSync(hookLog, `${resolved.url}\n`);
  return resolved;
}
