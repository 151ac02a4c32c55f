// GraphiQL served from the gateway's own node_modules: internal networks have no CDN, so Apollo's
// default landing page (which loads from one) is disabled and this page answers browsers instead.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const require = createRequire(import.meta.url);
export const GRAPHIQL_ASSET_PATH = '/graphiql/';

/** The files the page loads, by the name it asks for. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': { file: packageFile('react', 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: packageFile('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: packageFile('graphiql', 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: packageFile('graphiql', 'graphiql.min.css'), type: 'text/css' },
};

/** A file inside an installed package, found through its package.json (the UMD builds are not exported). */
function packageFile(name: string, file: string): string {
  return join(dirname(require.resolve(`${name}/package.json`)), file);
}

/** One preloaded GraphiQL tab; GraphiQL titles a tab after its operation name. */
interface ExampleTab {
  query: string;
  variables?: string;
}

const APPS_QUERY = `# Every app the gateway knows. Pick one and put its key into the other tabs' variables.
query Apps {
  apps { appKey name androidPackage groupName }
}
`;

const SHORT_LINKS_QUERY = `# JMLink: an app's short links with their daily statistics.
# Next page: pass pageInfo.endCursor as \`after\`.
query ShortLinks($appKey: ID!, $from: LocalDate!, $to: LocalDate!, $after: String) {
  app(appKey: $appKey) {
    name
    shortLinks(first: 5, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        key url name createdOn
        stats(from: $from, to: $to, platform: ALL) {
          totals { exposures clicks opens installs }
          days { day clicks }
        }
      }
    }
  }
}
`;

const AUDIENCE_TAGS_QUERY = `# JPortrait: the audience tags of one device, each with a score from 0 to 1.
# Leave out \`tags\` to get every tag known for the subject.
query AudienceTags($appKey: ID!, $subject: PortraitSubjectInput!) {
  app(appKey: $appKey) {
    name
    portraitTags(subject: $subject, tags: ["HADI_SHOPPING_MALL", "HAGI_SHOPPING_ALL"]) {
      found
      tags { code score }
      subject { idType value }
    }
  }
}
`;

/** The example tabs: "Apps", "Short links" (app → shortLinks → stats), "Audience tags" (app → portraitTags). */
export function exampleTabs(appKey: string | undefined, now: Date = new Date()): ExampleTab[] {
  // An empty key still shows where the key goes; the Apps tab lists the real ones.
  const key = appKey ?? '';
  const day = (offset: number): string => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  const json = (value: Record<string, unknown>): string => JSON.stringify(value, null, 2);
  return [
    { query: APPS_QUERY },
    { query: SHORT_LINKS_QUERY, variables: json({ appKey: key, from: day(-30), to: day(0) }) },
    { query: AUDIENCE_TAGS_QUERY, variables: json({ appKey: key, subject: { idType: 'OAID', value: 'oaid-1' } }) },
  ];
}

/** Whether a request is a browser asking for a page rather than a GraphQL client. */
export function wantsGraphiQL(req: IncomingMessage, target: { searchParams: URLSearchParams }): boolean {
  return req.method === 'GET' && /\btext\/html\b/.test(req.headers.accept ?? '') && !target.searchParams.has('query');
}

/**
 * The page; `appKey` (a known app, if any) pre-fills the example tabs' variables, and `token` (demo
 * mode and tests only, never a configured token) their Authorization header.
 */
export function sendGraphiQLPage(res: ServerResponse, graphqlPath: string, appKey: string | undefined, token?: string): void {
  const headers = token ? JSON.stringify({ authorization: `Bearer ${token}` }, null, 2) : undefined;
  const tabs = exampleTabs(appKey).map((tab) => (headers ? { ...tab, headers } : tab));
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>jiguang-gateway · GraphiQL</title>
<link rel="stylesheet" href="${GRAPHIQL_ASSET_PATH}graphiql.css">
<style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
<!-- Authentication: the gateway needs a bearer token. Open the "Headers" tab under the query
     editor and enter {"authorization": "Bearer <your token>"} (demo mode fills it in). Every request made from
     this page then carries it. Headers are not saved in the browser unless you turn on
     "Persist headers" in the settings dialog. -->
<div id="graphiql">Loading GraphiQL…</div>
<script src="${GRAPHIQL_ASSET_PATH}react.js"></script>
<script src="${GRAPHIQL_ASSET_PATH}react-dom.js"></script>
<script src="${GRAPHIQL_ASSET_PATH}graphiql.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({ url: ${scriptJson(graphqlPath)} });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      // One tab per domain. GraphiQL keeps its tabs in localStorage: once a browser has used the
      // page, it restores those instead ("Add tab" and the History plugin still work as usual).
      defaultTabs: ${scriptJson(tabs)},
      defaultHeaders: ${scriptJson(headers ?? '')},
      // The bearer token goes into the Headers editor, kept visible here.
      defaultEditorToolsVisibility: true,
    }),
  );
</script>
</body>
</html>`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(page);
}

/** JSON safe inside a <script> element: no `<` can close it (nor U+2028/U+2029 end a line). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Serves one of the page's assets; false when `name` is not one of them. */
export async function sendGraphiQLAsset(res: ServerResponse, name: string): Promise<boolean> {
  const asset = ASSETS[name];
  if (!asset) return false;
  res.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=86400' });
  res.end(await readFile(asset.file));
  return true;
}

export interface GraphiQLOptions {
  graphqlPath: string;
  /** The persisted documents (trusted mode offers only these). */
  documents: import('./documents.js').TrustedDocuments;
  /** An app whose data the examples open. */
  exampleApp(): Promise<string | undefined>;
  /** A token GraphiQL starts with (demo mode and tests only). */
  token?: string;
}

/** GraphiQL's routes: the page at the GraphQL path for browsers, and its assets. */
export function createGraphiQL(options: GraphiQLOptions) {
  return {
    /** True when the request was GraphiQL's (and answered). */
    async handle(req: IncomingMessage, res: ServerResponse, target: { pathname: string; searchParams: URLSearchParams }): Promise<boolean> {
      if (target.pathname.startsWith(GRAPHIQL_ASSET_PATH) && req.method === 'GET') return sendGraphiQLAsset(res, target.pathname.slice(GRAPHIQL_ASSET_PATH.length));
      if (target.pathname === options.graphqlPath && wantsGraphiQL(req, target)) {
        sendGraphiQLPage(res, options.graphqlPath, await options.exampleApp(), options.token);
        return true;
      }
      return false;
    },
  };
}
