// Compiled execution behind Apollo Server: the schema is handed to Apollo through its gateway
// interface, whose executor runs operations with graphql-jit instead of graphql-js. Parsing,
// validation and the plugins' hooks stay Apollo's, so answers, errors (paths, extensions, masking)
// and HTTP statuses are what they were.
//
// A document is compiled once it has been used GATEWAY_COMPILE_AFTER_USES times (default 2: a one-off
// document would pay 1–5 ms of compiling for nothing) and kept by Apollo's document hash and the
// operation's place in it; later requests run the compiled function. Documents not yet compiled are counted
// in a table of their own, so a flood of one-off documents never pushes out the compiled ones. A
// document graphql-jit cannot compile runs on graphql-js, counted in the metrics.
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, type GraphQLError, type GraphQLSchema } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../core/logger.js';

/**
 * Compiled documents kept. Each holds ~110 KB of heap and ~250 KB of memory in all (generated code);
 * a frontend's hot documents are few, and 32 bound what a flood of repeated documents can pin.
 */
const COMPILED_MAX = 32;
/** Documents counted towards compiling (a key and a number each). */
const COUNTED_MAX = 5_000;

export interface ExecutionCounters {
  /** Counts one execution by engine: `compiled` or `interpreted`. */
  executed(engine: 'compiled' | 'interpreted'): void;
  /** Counts a document graphql-jit could not compile (once per document kept). */
  notCompiled(): void;
}

export interface CompiledOptions {
  /** Uses of a document before it is compiled (1: at first use). */
  compileAfterUses: number;
  counters: ExecutionCounters;
  logger: Logger;
}

export function compiledExecutor(schema: GraphQLSchema, options: CompiledOptions): GatewayExecutor {
  const { compileAfterUses, counters, logger } = options;
  /** A document's compiled query, or 'not compilable'. */
  const compiled = new LRUCache<string, CompiledQuery | 'not compilable'>({ max: COMPILED_MAX });
  const uses = new LRUCache<string, number>({ max: COUNTED_MAX });

  const compile = (request: Parameters<GatewayExecutor>[0]): CompiledQuery | 'not compilable' => {
    const { document, operationName } = request;
    let reason: string | undefined;
    try {
      const result = compileQuery(schema, document, operationName ?? undefined);
      if (isCompiledQuery(result)) return result;
      reason = result.errors?.[0]?.message;
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    logger.warn('graphql-jit could not compile a document; it runs on graphql-js', { operationName, reason });
    counters.notCompiled();
    return 'not compilable';
  };

  /** The compiled query of a document, once it has been used often enough and compiles. */
  const compiledFor = (request: Parameters<GatewayExecutor>[0]): CompiledQuery | undefined => {
    // The operation by its place in the document (a name may be long; the text is the hash's).
    const key = `${request.queryHash}:${request.document.definitions.indexOf(request.operation!)}`;
    let plan = compiled.get(key);
    if (plan === undefined) {
      const used = (uses.get(key) ?? 0) + 1;
      if (used < compileAfterUses) {
        uses.set(key, used);
        return undefined;
      }
      uses.delete(key);
      compiled.set(key, (plan = compile(request)));
    }
    return plan === 'not compilable' ? undefined : plan;
  };

  return async (request) => {
    const variables = request.request.variables ?? {};
    const interpreted = () => {
      counters.executed('interpreted');
      // The name the client sent (`request.operationName` is the resolved operation's, null when none was).
      return execute({ schema, document: request.document, contextValue: request.context, variableValues: variables, operationName: request.request.operationName });
    };
    // No operation resolved (a name that matches none, or several operations and no name): nothing
    // may run, and graphql-js answers why. (graphql-jit would run the only operation regardless.)
    if (!request.operation) return interpreted();
    const query = compiledFor(request);
    if (!query) return interpreted();
    const result = await query.query(undefined, request.context, variables);
    // No data at all: the variables did not coerce, and nothing ran. graphql-js says so with errors
    // that carry the variable's definition, which Apollo reads to answer 400 BAD_USER_INPUT.
    if (result.data === undefined && result.errors?.length) return interpreted();
    counters.executed('compiled');
    // graphql-jit leaves `extensions` off some errors it makes, which graphql-js never does (Apollo
    // reads it): the original error's, or none.
    for (const error of result.errors ?? []) {
      if (!error.extensions) (error as { extensions: object }).extensions = { ...(error.originalError as GraphQLError | undefined)?.extensions };
    }
    return result;
  };
}

/** Apollo Server's gateway interface around a fixed schema and the compiled executor. */
export function compiledGateway(schema: GraphQLSchema, options: CompiledOptions): GatewayInterface {
  return {
    async load() {
      return { schema, executor: compiledExecutor(schema, options) };
    },
    // The schema never changes while the gateway runs: the callback is called once, at load.
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async stop() {},
  };
}
