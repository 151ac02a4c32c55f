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

const EXAMPLE_QUERY = `# Apps the gateway knows; pick one and walk to its short links and audience tags.
query Apps {
  apps { appKey name androidPackage }
}

query AppOverview($appKey: ID!) {
  app(appKey: $appKey) {
    name
    shortLinks(first: 5) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        key url name createdOn
        stats(from: "2026-01-01", to: "2026-01-31") { totals { exposures clicks opens installs } }
      }
    }
    portraitTags(subject: { idType: OAID, value: "oaid-1" }) { found tags { code score } }
  }
}
`;

/** Whether a request is a browser asking for a page rather than a GraphQL client. */
export function wantsGraphiQL(req: IncomingMessage): boolean {
  return req.method === 'GET' && /\btext\/html\b/.test(req.headers.accept ?? '') && !new URL(req.url ?? '/', 'http://x').searchParams.has('query');
}

/** The page; `appKey` (a known app, if any) pre-fills the example's variables. */
export function sendGraphiQLPage(res: ServerResponse, graphqlPath: string, appKey: string | undefined): void {
  const variables = appKey ? JSON.stringify({ appKey }, null, 2) : undefined;
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>jiguang-gateway · GraphiQL</title>
<link rel="stylesheet" href="${GRAPHIQL_ASSET_PATH}graphiql.css">
<style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${GRAPHIQL_ASSET_PATH}react.js"></script>
<script src="${GRAPHIQL_ASSET_PATH}react-dom.js"></script>
<script src="${GRAPHIQL_ASSET_PATH}graphiql.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({ url: ${scriptJson(graphqlPath)} });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultQuery: ${scriptJson(EXAMPLE_QUERY)}, defaultVariables: ${scriptJson(variables ?? '')}, defaultEditorToolsVisibility: true }),
  );
</script>
</body>
</html>`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(page);
}

/** JSON safe inside a <script> element: no `<` can close it. */
function scriptJson(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** Serves one of the page's assets; false when `name` is not one of them. */
export async function sendGraphiQLAsset(res: ServerResponse, name: string): Promise<boolean> {
  const asset = ASSETS[name];
  if (!asset) return false;
  res.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=86400' });
  res.end(await readFile(asset.file));
  return true;
}
