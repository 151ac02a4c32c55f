// Fails when src/generated/ is stale against schema/*.graphql: generates into memory with the same
// codegen.ts and compares with what is committed. Fix with `npm run codegen`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import config from '../codegen.ts';

// The CommonJS build, as `graphql-codegen` runs it: it loads plugins and presets from the project's
// folder, whereas the ESM build imports them from its own (which may hold older nested copies).
const { generate } = createRequire(import.meta.url)('@graphql-codegen/cli') as typeof import('@graphql-codegen/cli');

const outputs: { filename: string; content: string }[] = await generate({ ...config, silent: true }, false);
const stale = outputs.filter((o) => {
  try {
    return readFileSync(o.filename, 'utf8') !== o.content;
  } catch {
    return true;
  }
});
if (stale.length > 0) {
  console.error(`codegen: ${stale.map((o) => o.filename).join(', ')} out of date with schema/. Run \`npm run codegen\` and commit the result.`);
  process.exit(1);
}
console.log(`codegen: ${outputs.length} generated file(s) match schema/.`);
