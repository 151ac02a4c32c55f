// GraphiQL's static files: its bundle and style, built ahead of time into dist/graphiql/ by
// scripts/build-graphiql.mjs (`npm run build`; the tests' global setup builds them too) — GraphiQL,
// React and ReactDOM in one minified production script, the style without inlined fonts — and the
// page's own script and style. Each is read and hashed once, at first use, and compressed once per
// encoding when a browser first asks for it — or, for GraphiQL's files, taken as the build compressed
// them (`.br` at brotli's best quality, `.gz`) when they decompress to the file itself. The content hash is part of the URL, so a browser may
// keep a file forever (`immutable`) and a new version of any file is a new URL. Nothing here reads
// node_modules: a production install has no GraphiQL package.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, gunzip, gzip, constants as zlib } from 'node:zlib';
import { projectPath } from '../../core/paths.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './browser.js';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const decompressors = { br: promisify(brotliDecompress), gzip: promisify(gunzip) };

export type Encoding = 'br' | 'gzip' | 'identity';

/** One encoding of an asset: what is sent, and its strong validator. */
export interface Representation {
  body: Buffer;
  encoding: Encoding;
  etag: string;
}

export type AssetName = 'graphiql.js' | 'graphiql.css' | 'page.js' | 'page.css';

/** Where scripts/build-graphiql.mjs writes GraphiQL's files. */
export const BUILT_ASSETS_DIR = projectPath('dist', 'graphiql');

/** GraphiQL's built files are not there: the page cannot be served until they are built. */
export class AssetsNotBuiltError extends Error {
  constructor(file: string) {
    super(`GraphiQL assets are not built (${file} is missing): run \`npm run build\`.`);
    this.name = 'AssetsNotBuiltError';
  }
}

/** A file's encoding as the build wrote it, or undefined when there is none. */
type Precompressed = (encoding: Exclude<Encoding, 'identity'>) => Promise<Buffer | undefined>;

interface Source {
  type: string;
  read(dir: string): Promise<string | Buffer>;
  /** Files the build compressed (scripts/build-graphiql.mjs). */
  built?: boolean;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const SOURCES: Record<AssetName, Source> = {
  'graphiql.js': { type: JS, read: (dir) => builtFile(dir, 'graphiql.js'), built: true },
  'graphiql.css': { type: CSS, read: (dir) => builtFile(dir, 'graphiql.css'), built: true },
  'page.js': { type: JS, read: async () => PAGE_SCRIPT },
  'page.css': { type: CSS, read: async () => PAGE_STYLE },
};

export const ASSET_NAMES = Object.keys(SOURCES) as AssetName[];

async function builtFile(dir: string, name: string): Promise<Buffer> {
  const file = join(dir, name);
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AssetsNotBuiltError(file);
    throw error;
  }
}

/** The build's compressed copies of a file (`<name>.br`, `<name>.gz`), when present. */
function precompressedFiles(dir: string, name: string): Precompressed {
  return (encoding) => readFile(join(dir, `${name}.${encoding === 'br' ? 'br' : 'gz'}`)).catch(() => undefined);
}

export class Asset {
  private readonly encoded = new Map<Encoding, Promise<Representation>>();

  constructor(
    readonly name: AssetName,
    readonly type: string,
    private readonly identity: Buffer,
    /** 16 hex characters of the content's SHA-256: in the URL and the ETag. */
    readonly hash: string,
    private readonly precompressed?: Precompressed,
  ) {}

  /**
   * The asset in an encoding, compressed on first request and kept; the identity when compressing
   * does not make it smaller. Each encoding has its own ETag (a strong validator names one byte sequence).
   */
  representation(encoding: Encoding): Promise<Representation> {
    let pending = this.encoded.get(encoding);
    if (!pending) {
      pending = this.encode(encoding).then((body) =>
        body.length < this.identity.length
          ? { body, encoding, etag: `"${this.hash}-${encoding}"` }
          : { body: this.identity, encoding: 'identity' as const, etag: `"${this.hash}"` },
      );
      this.encoded.set(encoding, pending);
    }
    return pending;
  }

  /**
   * The build's compressed copy when it decompresses to this very content (a build may have written
   * the file and not yet its copies), else compressed here.
   */
  private async encode(encoding: Encoding): Promise<Buffer> {
    if (encoding !== 'identity' && this.precompressed) {
      const body = await this.precompressed(encoding);
      const original = body && (await decompressors[encoding](body).catch(() => undefined));
      if (body && original?.equals(this.identity)) return body;
    }
    return compress(this.identity, encoding);
  }
}

/** Compression once per asset and encoding, at run time: brotli at 9 (about 200 ms for GraphiQL's 1.2 MB bundle, when its build's copy is missing; 11 takes seconds). */
export async function compress(body: Buffer, encoding: Encoding): Promise<Buffer> {
  if (encoding === 'br') {
    return brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
  }
  if (encoding === 'gzip') return gzipAsync(body, { level: 9 });
  return body;
}

/** The assets, read and hashed together on first use (the page needs every hash for its URLs). */
export class AssetStore {
  private loaded: Promise<Map<AssetName, Asset>> | undefined;

  /** `dir`: where GraphiQL's built files are (tests name another folder). */
  constructor(private readonly dir: string = BUILT_ASSETS_DIR) {}

  all(): Promise<Map<AssetName, Asset>> {
    this.loaded ??= Promise.all(
      ASSET_NAMES.map(async (name) => {
        const source = SOURCES[name];
        const raw = await source.read(this.dir);
        const content = typeof raw === 'string' ? Buffer.from(raw) : raw;
        const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
        return new Asset(name, source.type, content, hash, source.built ? precompressedFiles(this.dir, name) : undefined);
      }),
    ).then((assets) => new Map(assets.map((a) => [a.name, a])));
    // A failed read (the files not built yet) is tried again by the next request rather than kept.
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }

  /** The asset at `<hash>/<name>`, or undefined for anything else (another hash, a path trick). */
  async find(path: string): Promise<Asset | undefined> {
    const [hash, name, ...rest] = path.split('/');
    if (rest.length > 0 || !name || !Object.hasOwn(SOURCES, name)) return undefined;
    const asset = (await this.all()).get(name as AssetName);
    return asset && asset.hash === hash ? asset : undefined;
  }
}
