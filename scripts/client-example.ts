// Bundles the example frontend page (client/example/: the typed client in a browser) with esbuild for
// `platform: 'browser'`. Anything Node-only that slips into the bundle (a `node:` module, a Node
// built-in, undici) fails the build, naming what imported it. test/browser/client-example.test.ts
// bundles it this way and serves it to Chromium; to try it by hand:
//   npx tsx scripts/client-example.ts [outdir]      (default dist/client-example)
// then serve that folder from an origin listed in the gateway's GATEWAY_CORS_ORIGINS.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile, type Plugin, type StdinOptions } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const EXAMPLE_DIR = join(ROOT, 'client', 'example');

const escapeRegExp = (name: string) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** `node:…`, Node's built-in modules by their bare names, and undici (the client's old transport). */
const NODE_ONLY = new RegExp(`^(node:.*|undici(/.*)?|(${builtinModules.map(escapeRegExp).join('|')})(/.*)?)$`);

/** Fails the build on any import of a Node-only module, wherever in the graph it is. */
export const browserOnly: Plugin = {
  name: 'browser-only',
  setup(b) {
    b.onResolve({ filter: NODE_ONLY }, (args) => ({
      errors: [{ text: `"${args.path}" is Node-only and has no place in a browser bundle (imported by ${relative(ROOT, args.importer) || args.importer})` }],
    }));
  },
};

export interface BrowserBundle {
  /** The page, as in client/example/index.html (it loads ./main.js). */
  html: string;
  /** The bundled script, minified. */
  js: string;
  /** The script's size in bytes. */
  bytes: number;
  /** Every file in the bundle, relative to the project root. */
  inputs: string[];
  metafile: Metafile;
}

/** Bundles client/example/main.ts (or `stdin`, to test the guard) for browsers, in memory. */
export async function bundleClientExample(options: { stdin?: StdinOptions } = {}): Promise<BrowserBundle> {
  const result = await build({
    ...(options.stdin ? { stdin: { resolveDir: EXAMPLE_DIR, ...options.stdin } } : { entryPoints: [join(EXAMPLE_DIR, 'main.ts')] }),
    absWorkingDir: ROOT,
    outfile: 'main.js',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserOnly],
  });
  const js = result.outputFiles.find((file) => file.path.endsWith('.js'))!.text;
  return {
    html: readFileSync(join(EXAMPLE_DIR, 'index.html'), 'utf8'),
    js,
    bytes: Buffer.byteLength(js),
    inputs: Object.keys(result.metafile.inputs),
    metafile: result.metafile,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outdir = resolve(process.argv[2] ?? join(ROOT, 'dist', 'client-example'));
  const bundle = await bundleClientExample();
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, 'index.html'), bundle.html);
  writeFileSync(join(outdir, 'main.js'), bundle.js);
  console.log(`${relative(process.cwd(), outdir) || '.'}: index.html, main.js (${(bundle.bytes / 1024).toFixed(1)} KiB minified, nothing of Node)`);
}
