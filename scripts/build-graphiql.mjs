// GraphiQL's browser files, built ahead of time into dist/graphiql/ (the gateway serves them from there,
// src/inbound/graphiql/assets.ts): graphiql, react and react-dom are build tools (devDependencies), so
// a production install has none of them and the running gateway reads only these files.
//
// - graphiql.js: GraphiQL, React and ReactDOM in one minified production bundle (esbuild), exposing
//   the globals the page's own script uses (`React`, `ReactDOM.createRoot`, `GraphiQL`); the
//   packages' licence comments are kept at its end.
// - graphiql.css: GraphiQL's style, minified, without its 34 inlined fonts (Roboto, Fira Code as
//   data: URLs, 370 KB): the page uses the system's fonts through GraphiQL's --font-family and
//   --font-family-mono variables, so no font is downloaded at all.
// - each also compressed, as `.br` (brotli at its best quality, 11: seconds here, too slow per
//   request) and `.gz`: the gateway sends these rather than compressing at run time.
// - build.json: what the files were built from. The build is skipped while the script, esbuild and
//   every input file (the bundle's modules, the style) are unchanged: `npm run build` and the tests'
//   global setup (vitest.config.ts) both call it, and `npm test` on a clean clone builds once.
//
//   node scripts/build-graphiql.mjs [--force]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = join(ROOT, 'dist', 'graphiql');
const MANIFEST = join(OUT_DIR, 'build.json');
const require = createRequire(join(ROOT, 'package.json'));

/** The bundle's entry: the three globals the page script (src/inbound/graphiql/browser.ts) uses. */
const ENTRY = `import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
globalThis.React = React;
globalThis.ReactDOM = { createRoot };
globalThis.GraphiQL = GraphiQL;
`;

const ENTRY_NAME = '(graphiql entry)';

/** System font stacks in place of Roboto and Fira Code (used when installed, as Roboto is on Android and many Linux desktops). */
const FONTS = {
  '--font-family': "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'Noto Sans', 'Liberation Sans', Arial, sans-serif",
  '--font-family-mono': "ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Cascadia Mono', 'Fira Code', 'DejaVu Sans Mono', 'Liberation Mono', monospace",
};

/** A file inside the project, as build.json names it. */
const rel = (file) => relative(ROOT, file).split('\\').join('/');

function digest(inputs) {
  const hash = createHash('sha256');
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(`\0esbuild ${require('esbuild/package.json').version}\0`);
  for (const input of inputs)
    hash
      .update(input)
      .update('\0')
      .update(readFileSync(join(ROOT, input)))
      .update('\0');
  return hash.digest('hex');
}

/** Why the files in dist/graphiql/ must be built again, or null when they are up to date. */
export function staleness() {
  if (!existsSync(MANIFEST)) return 'not built yet';
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return 'build.json is unreadable';
  }
  for (const file of Object.keys(manifest.files ?? {})) if (!existsSync(join(OUT_DIR, file))) return `${file} is missing`;
  for (const input of manifest.inputs ?? []) if (!existsSync(join(ROOT, input))) return `${input} is gone`;
  try {
    return digest(manifest.inputs ?? []) === manifest.key ? null : 'its inputs changed';
  } catch {
    return 'esbuild is not installed';
  }
}

function writeAtomically(file, content) {
  // Another build (a second test run in the same tree) may write at the same time: readers see one whole file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

/**
 * Builds dist/graphiql/ unless it is up to date (or `force`). Returns what it did, with the files' sizes.
 * Without the build tools (a production install) an existing build is kept as it is.
 */
export async function buildGraphiQL({ force = false, log = (line) => console.log(line) } = {}) {
  const stale = force ? 'forced' : staleness();
  if (stale === null) return { built: false, reason: 'up to date' };
  let esbuild;
  try {
    esbuild = await import('esbuild');
    require.resolve('graphiql/package.json');
  } catch {
    if (existsSync(MANIFEST) && !force) {
      log('graphiql: esbuild or graphiql is not installed (a production install?): keeping the files in dist/graphiql/');
      return { built: false, reason: 'no build tools' };
    }
    throw new Error('graphiql: cannot build dist/graphiql/: esbuild and graphiql are devDependencies; run `npm ci` (with them) first.');
  }
  const started = Date.now();

  const js = await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: ROOT, sourcefile: ENTRY_NAME, loader: 'js' },
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    // The browsers GraphiQL 3 supports; the page script (browser.ts) is ES2020 too.
    target: ['es2020'],
    charset: 'utf8',
    define: { 'process.env.NODE_ENV': '"production"' },
    // markdown-it (the Docs pane's descriptions) only decodes HTML entities: the package's index also
    // brings its encoder's tables (23 KB minified), built at start-up. Its decoder exports the same functions.
    alias: { entities: 'entities/lib/decode.js' },
    legalComments: 'eof',
    metafile: true,
    write: false,
    outfile: join(OUT_DIR, 'graphiql.js'),
    logLevel: 'warning',
  });
  const script = Buffer.from(js.outputFiles[0].contents);

  const cssSource = join(dirname(require.resolve('graphiql/package.json')), 'graphiql.css');
  let css = readFileSync(cssSource, 'utf8').replace(/@font-face\s*\{[^}]*\}/g, '');
  for (const [variable, stack] of Object.entries(FONTS)) {
    const declaration = new RegExp(`${variable}:\\s*[^;]+;`, 'g');
    if ((css.match(declaration) ?? []).length !== 1) throw new Error(`graphiql: graphiql.css no longer declares ${variable} once: see scripts/build-graphiql.mjs`);
    css = css.replace(declaration, `${variable}: ${stack};`);
  }
  const style = Buffer.from((await esbuild.transform(css, { loader: 'css', minify: true, legalComments: 'none', charset: 'utf8' })).code);
  if (/@font-face|data:(font|application\/(x-)?font)/i.test(style.toString('utf8'))) throw new Error('graphiql: a font is still inlined in graphiql.css');

  // The entry is this script's own text (hashed as such); every other input is a file of node_modules.
  const inputs = [...Object.keys(js.metafile.inputs).filter((input) => existsSync(join(ROOT, input)) && input !== ENTRY_NAME), rel(cssSource)].sort();
  mkdirSync(OUT_DIR, { recursive: true });
  const files = { 'graphiql.js': script, 'graphiql.css': style };
  for (const [name, content] of Object.entries(files)) {
    const [br, gz] = await Promise.all([
      brotli(content, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: content.length } }),
      gzipAsync(content, { level: 9 }),
    ]);
    files[`${name}.br`] = br;
    files[`${name}.gz`] = gz;
  }
  for (const [name, content] of Object.entries(files)) writeAtomically(join(OUT_DIR, name), content);
  const sizes = Object.fromEntries(Object.entries(files).map(([name, content]) => [name, { bytes: content.length }]));
  // Last: the manifest says the files are complete.
  writeAtomically(MANIFEST, `${JSON.stringify({ key: digest(inputs), files: sizes, inputs }, null, 2)}\n`);
  log(
    `graphiql: built dist/graphiql/ (${stale}) in ${Date.now() - started} ms: ` +
      Object.entries(sizes)
        .map(([name, { bytes }]) => `${name} ${(bytes / 1000).toFixed(0)} KB`)
        .join(', '),
  );
  return { built: true, reason: stale };
}

/** Vitest's global setup (vitest.config.ts): the tests serve GraphiQL from src/, with these files. */
export async function setup() {
  await buildGraphiQL();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { built } = await buildGraphiQL({ force: process.argv.includes('--force') });
  if (!built) console.log('graphiql: dist/graphiql/ is up to date');
}
