// `npm run build`: compiles src/ to dist/ and copies what the runtime reads besides code (the
// registry's SQL migrations). Schema files, manifests and GraphiQL assets are read from the
// project folder and node_modules, as from src/.
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/registry/migrations', 'dist/registry/migrations', { recursive: true });
