// `npm run build`: compiles src/ and emulator/ to dist/src and dist/emulator, copies what the
// runtime reads besides code (the registry's SQL migrations), and writes dist/main.js, the entry
// point `node dist/main.js` runs. Schema files, manifests and GraphiQL assets are read from the
// project folder and node_modules, as from src/.
import { execFileSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/registry/migrations', 'dist/src/registry/migrations', { recursive: true });
writeFileSync('dist/main.js', "// The gateway's entry point (scripts/build.mjs writes it).\nimport './src/main.js';\n");
