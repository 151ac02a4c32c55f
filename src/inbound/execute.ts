// The last stage: the request, admitted and bounded, runs in Apollo Server (executeHTTPGraphQLRequest)
// inside its span, and Apollo's answer is written as it comes. The caller going away cancels the
// request, and with it every upstream call it started.
import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import type { Caller } from '../auth/callers.js';
import { createContext, type GatewayContext, type GatewayServices } from '../context.js';
import type { Logger } from '../core/logger.js';
import type { RequestStats } from '../http/call.js';
import { inRequestSpan } from '../observability/tracing.js';
import { labelSpan, logWhenFinished } from './access-log.js';
import { httpParts, type Operations } from './operations.js';

/** One admitted request: what the stages before found out about it. */
export interface Admitted {
  requestId: string;
  pathname: string;
  caller: Caller;
  stats: RequestStats;
  operations: Operations;
  /** A multipart upload, already turned into its JSON operations. */
  multipart: boolean;
}

export type Execute = (req: IncomingMessage, res: ServerResponse, request: Admitted) => Promise<void>;

export function createExecute(apollo: ApolloServer<GatewayContext>, services: GatewayServices, logger: Logger): Execute {
  return async (req, res, { requestId, pathname, caller, stats, operations, multipart }) => {
    const abort = new AbortController();
    // One listener per upstream call the request waits for: a statistics page has dozens.
    setMaxListeners(0, abort.signal);
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    if (multipart) headers.set('content-type', 'application/json');
    const requestLogger = logger.child({ requestId, caller: caller.name });
    const context = createContext(services, { requestId, signal: abort.signal, logger: requestLogger, caller, stats });
    const started = performance.now();
    const method = req.method ?? 'GET';
    const attributes = { 'http.request.method': method, 'url.path': pathname, 'gateway.request_id': requestId, 'gateway.caller': caller.name };
    await inRequestSpan('graphql', req.headers, attributes, async (span) => {
      logWhenFinished(res, { method: req.method, logger: requestLogger, context, operations, span, started });
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: method.toUpperCase(), headers, ...httpParts(operations) },
        context: async () => context,
      });
      labelSpan(span, context, response.status ?? 200);
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') return void res.end(response.body.string);
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    });
  };
}
