// `/`, where a person with a browser lands first: GraphiQL when it is served, else a short plain page
// saying where things are (an API's JSON 404 would tell them nothing).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GRAPHQL_PATH } from './target.js';

/** Answers GET or HEAD `/`; false for any other request. */
export function handleRoot(req: IncomingMessage, res: ServerResponse, pathname: string, graphiql: boolean): boolean {
  if (pathname !== '/' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  if (graphiql) {
    res.writeHead(302, { location: GRAPHQL_PATH, 'content-length': '0' });
    res.end();
    return true;
  }
  const page = [
    'jiguang-gateway: one GraphQL API in front of the Jiguang developer services.',
    '',
    `GraphQL endpoint: POST ${GRAPHQL_PATH} with "Authorization: Bearer <token>" (GraphiQL is off here).`,
    'Liveness: GET /health    Readiness: GET /ready',
    '',
  ].join('\n');
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(page)) });
  res.end(req.method === 'HEAD' ? undefined : page);
  return true;
}
