// GraphiQL's static files (React, ReactDOM, GraphiQL's bundle and style from node_modules, the page's
// own script and style), each read and hashed once, at first use, and compressed once per encoding
// when a browser first asks for it. The content hash is part of the URL, so a browser may keep a file
// forever (`immutable`) and a new version of any file is a new URL.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';
import { PAGE_SCRIPT, PAGE_STYLE } from './browser.js';

const require = createRequire(import.meta.url);
const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Encoding = 'br' | 'gzip' | 'identity';

/** One encoding of an asset: what is sent, and its strong validator. */
export interface Representation {
  body: Buffer;
  encoding: Encoding;
  etag: string;
}

export type AssetName = 'react.js' | 'react-dom.js' | 'graphiql.js' | 'graphiql.css' | 'page.js' | 'page.css';

interface Source {
  type: string;
  read(): Promise<string | Buffer>;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const SOURCES: Record<AssetName, Source> = {
  'react.js': { type: JS, read: () => packageFile('react', 'umd/react.production.min.js') },
  'react-dom.js': { type: JS, read: () => packageFile('react-dom', 'umd/react-dom.production.min.js') },
  'graphiql.js': { type: JS, read: () => packageFile('graphiql', 'graphiql.min.js') },
  'graphiql.css': { type: CSS, read: () => packageFile('graphiql', 'graphiql.min.css') },
  'page.js': { type: JS, read: async () => PAGE_SCRIPT },
  'page.css': { type: CSS, read: async () => PAGE_STYLE },
};

export const ASSET_NAMES = Object.keys(SOURCES) as AssetName[];

/** A file inside an installed package, found through its package.json (the UMD builds are not exported). */
async function packageFile(name: string, file: string): Promise<Buffer> {
  const content = await readFile(join(dirname(require.resolve(`${name}/package.json`)), file));
  // The source maps are not served: without the comment, developer tools do not ask for them (a 404).
  return Buffer.from(content.toString('utf8').replace(/\n?(\/\/# sourceMappingURL=\S+|\/\*# sourceMappingURL=\S+\s*\*\/)\s*$/, '\n'));
}

export class Asset {
  private readonly encoded = new Map<Encoding, Promise<Representation>>();

  constructor(
    readonly name: AssetName,
    readonly type: string,
    private readonly identity: Buffer,
    /** 16 hex characters of the content's SHA-256: in the URL and the ETag. */
    readonly hash: string,
  ) {}

  /**
   * The asset in an encoding, compressed on first request and kept; the identity when compressing
   * does not make it smaller. Each encoding has its own ETag (a strong validator names one byte sequence).
   */
  representation(encoding: Encoding): Promise<Representation> {
    let pending = this.encoded.get(encoding);
    if (!pending) {
      pending = compress(this.identity, encoding).then((body) =>
        body.length < this.identity.length
          ? { body, encoding, etag: `"${this.hash}-${encoding}"` }
          : { body: this.identity, encoding: 'identity' as const, etag: `"${this.hash}"` },
      );
      this.encoded.set(encoding, pending);
    }
    return pending;
  }
}

/** Compression once per asset and encoding; brotli at 9 (a few hundred ms for GraphiQL's 3.5 MB; 11 takes seconds). */
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

  all(): Promise<Map<AssetName, Asset>> {
    this.loaded ??= Promise.all(
      ASSET_NAMES.map(async (name) => {
        const source = SOURCES[name];
        const raw = await source.read();
        const content = typeof raw === 'string' ? Buffer.from(raw) : raw;
        const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
        return new Asset(name, source.type, content, hash);
      }),
    ).then((assets) => new Map(assets.map((a) => [a.name, a])));
    // A failed read (a package missing) is tried again by the next request rather than kept.
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
