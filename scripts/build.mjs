// `npm run build`: compiles src/ and emulator/ to dist/src and dist/emulator, copies what the
// runtime reads besides code (the registry's SQL migrations), builds GraphiQL's browser files into
// dist/graphiql (scripts/build-graphiql.mjs: skipped while up to date), and writes dist/main.js, the
// entry point `node dist/main.js` runs. Schema files and manifests are read from the project folder,
// as from src/; nothing is read from the build tools in node_modules (devDependencies) at run time.
import { execFileSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildGraphiQL } from './build-graphiql.mjs';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/registry/migrations', 'dist/src/registry/migrations', { recursive: true });
await buildGraphiQL();
writeFileSync('dist/main.js', "// The gateway's entry point (scripts/build.mjs writes it).\nimport './src/main.js';\n");
