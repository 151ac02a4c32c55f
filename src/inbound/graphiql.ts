// GraphiQL served from the gateway itself: internal networks have no CDN, so Apollo's default landing
// page (which loads from one) is disabled and this answers browsers instead. The page is at the
// GraphQL path for a browser's GET (Accept: text/html); its files are under /graphiql/<hash>/.
//
// Two modes, following the persisted documents' setting:
// - default: example tabs for every Jiguang service (reads, then mutations marked as such);
// - trusted: exactly the manifests' operations as tabs, sent by `documentId`; the Docs pane comes from
//   the built-in introspection document while introspection is on, and is absent (not an error) when off.
// In both, a reader's page has no mutation tabs: the page asks `viewer { role }` with the visitor's
// token (the `Viewer` document of the gateway's manifest in trusted mode) before GraphiQL opens.
// GraphiQL's own files are built ahead of time (scripts/build-graphiql.mjs); without them the page is
// a 503 saying so, and the rest of the gateway is unaffected.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TrustedDocument } from '../config/index.js';
import { INTROSPECTION_DOCUMENT, type TrustedDocuments } from './documents.js';
import { HttpError } from './errors.js';
import { type AssetName, AssetStore, AssetsNotBuiltError } from './graphiql/assets.js';
import { type ExampleTab, exampleDates, exampleTabs, MUTATION_MARK } from './graphiql/examples.js';
import { compressSmall, negotiateEncoding, sendBody, sendRepresentation } from './graphiql/http.js';
import { PAGE_CSP, type PageConfig, renderPage, trustedStoragePrefix } from './graphiql/page.js';
import { operationDocumentId, PROBE_OPERATION, trustedTabs, VIEWER_OPERATION } from './graphiql/trusted.js';

export const GRAPHIQL_ASSET_PATH = '/graphiql/';

/** The probe of the default mode (the same operation as client/operations/overview.graphql). */
const PROBE_QUERY = `query ${PROBE_OPERATION} { apps { appKey name androidPackage shortLinks(first: 1) { totalCount nodes { key createdOn } } } }`;

/** The role question of the default mode (client/operations/viewer.graphql asks the same and more). */
const VIEWER_QUERY = `query ${VIEWER_OPERATION} { viewer { role } }`;

export interface GraphiQLOptions {
  graphqlPath: string;
  /** The persisted documents; in trusted mode the page offers exactly these. */
  documents: TrustedDocuments;
  /** An app the examples open when the page cannot ask which app has data (no token, or the ask fails). */
  exampleApp(): Promise<string | undefined>;
  /** A token GraphiQL starts with (demo mode and tests only). */
  token?: string;
  /**
   * Whether the gateway answers introspection (config.introspection). Default true: GraphiQL is on
   * only with introspection unless the configuration allows it in trusted mode without.
   */
  introspection?: boolean;
  /** Where GraphiQL's built files are; default dist/graphiql/ (scripts/build-graphiql.mjs). */
  assetDir?: string;
}

export interface GraphiQL {
  /** True when the request was GraphiQL's (and was answered); a refused file request throws its HttpError. */
  handle(req: IncomingMessage, res: ServerResponse, target: { pathname: string; searchParams: URLSearchParams }): Promise<boolean>;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // Per run (the demo token, asset URLs) and per request (dates): never stored.
  'cache-control': 'no-store',
  // The same URL answers GraphQL clients: caches must tell them apart.
  vary: 'Accept, Accept-Encoding',
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const ASSET_HEADERS = {
  'cache-control': 'public, max-age=31536000, immutable',
  'x-content-type-options': 'nosniff',
};

/** Whether a request is a browser asking for a page rather than a GraphQL client. */
export function wantsGraphiQL(req: IncomingMessage, target: { searchParams: URLSearchParams }): boolean {
  const { searchParams } = target;
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    /\btext\/html\b/.test(req.headers.accept ?? '') &&
    !searchParams.has('query') &&
    !searchParams.has('documentId') &&
    !searchParams.has('extensions')
  );
}

/**
 * Trusted mode asks by id, and only when a manifest has the operation (else: the fallback app for the
 * probe, every tab for the viewer).
 */
function byId(documents: readonly TrustedDocument[], operation: string): { documentId: string } | null {
  const id = operationDocumentId(documents, operation);
  return id ? { documentId: id } : null;
}

export function createGraphiQL(options: GraphiQLOptions): GraphiQL {
  const assets = new AssetStore(options.assetDir);
  const introspection = options.introspection ?? true;
  const trusted = options.documents.trusted;
  const listed = options.documents.list();
  const storagePrefix = trusted ? trustedStoragePrefix(listed.map((d) => d.id)) : '';
  const probe = trusted ? byId(listed, PROBE_OPERATION) : { query: PROBE_QUERY };
  const viewer = trusted ? byId(listed, VIEWER_OPERATION) : { query: VIEWER_QUERY };

  // The tabs hold dates (the last 30 days): made again when the day changes, else reused.
  let tabs: { day: string; tabs: ExampleTab[]; ids: Record<string, string> } | undefined;
  const currentTabs = () => {
    const day = exampleDates().to;
    if (tabs?.day !== day) tabs = trusted ? { day, ...trustedTabs(listed) } : { day, tabs: exampleTabs(), ids: {} };
    return tabs;
  };

  async function sendPage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const all = await loaded();
    const urls = Object.fromEntries([...all.values()].map((a) => [a.name, `${GRAPHIQL_ASSET_PATH}${a.hash}/${a.name}`])) as Record<AssetName, string>;
    const { tabs, ids } = currentTabs();
    const config: PageConfig = {
      graphqlPath: options.graphqlPath,
      mode: trusted ? 'trusted' : 'default',
      token: options.token ?? null,
      introspection,
      introspectionId: trusted && introspection ? INTROSPECTION_DOCUMENT.id : null,
      tabs,
      trustedIds: ids,
      probe,
      viewer,
      mutationMark: MUTATION_MARK,
      // Only on the demo's page, which carries a token anyway: an anonymous visitor learns no app key.
      exampleApp: options.token ? ((await options.exampleApp()) ?? null) : null,
      storagePrefix,
    };
    const page = compressSmall(Buffer.from(renderPage(urls, config)), negotiateEncoding(req.headers['accept-encoding']));
    sendBody(req, res, 200, page.body, page.encoding, PAGE_HEADERS);
  }

  /** The assets; 503 while GraphiQL's files are not built (the gateway itself keeps serving). */
  async function loaded(): ReturnType<AssetStore['all']> {
    try {
      return await assets.all();
    } catch (error) {
      if (error instanceof AssetsNotBuiltError) throw HttpError.plain(503, { error: error.message });
      throw error;
    }
  }

  async function sendAsset(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    await loaded();
    const asset = await assets.find(path);
    if (!asset) throw HttpError.plain(404, { error: 'Not found: no such GraphiQL file.' });
    if (req.method !== 'GET' && req.method !== 'HEAD') throw HttpError.plain(405, { error: 'GraphiQL files answer GET and HEAD only.' }, { allow: 'GET, HEAD' });
    const representation = await asset.representation(negotiateEncoding(req.headers['accept-encoding']));
    sendRepresentation(req, res, representation, { ...ASSET_HEADERS, 'content-type': asset.type });
  }

  return {
    async handle(req, res, target) {
      if (target.pathname.startsWith(GRAPHIQL_ASSET_PATH)) {
        await sendAsset(req, res, target.pathname.slice(GRAPHIQL_ASSET_PATH.length));
        return true;
      }
      if (target.pathname === options.graphqlPath && wantsGraphiQL(req, target)) {
        await sendPage(req, res);
        return true;
      }
      return false;
    },
  };
}
