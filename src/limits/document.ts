// The first limit a document meets, before it is parsed: its tokens and how deeply its brackets
// nest, counted by graphql-js's own lexer in one pass with no recursion. A document over either is
// refused at once (a parser could otherwise spend seconds on it, or overflow its stack).
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { LRUCache } from 'lru-cache';

export interface DocumentLimits {
  maxTokens: number;
  maxNesting: number;
}

/** A refusal: GRAPHQL_VALIDATION_FAILED naming the limit (HTTP 400). */
export function limitError(limit: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit, http: { status: 400 } } });
}

export class DocumentGuard {
  /** Documents that passed, so a client's repeated operations are lexed once. */
  private readonly passed = new LRUCache<string, true>({ max: 2000, maxSize: 16 * 1024 * 1024, sizeCalculation: (_v, key) => key.length + 1 });

  constructor(private readonly limits: DocumentLimits) {}

  /** Null when the document is within the limits (or not GraphQL at all: the parser reports that). */
  check(query: string): GraphQLError | null {
    if (this.passed.has(query)) return null;
    const { maxTokens, maxNesting } = this.limits;
    const lexer = new Lexer(new Source(query));
    let tokens = 0;
    let nesting = 0;
    try {
      for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
        if (++tokens > maxTokens) return limitError('tokens', `The document has more than ${maxTokens} tokens; at most ${maxTokens} are allowed.`);
        const kind = token.kind;
        if (kind === TokenKind.BRACE_L || kind === TokenKind.PAREN_L || kind === TokenKind.BRACKET_L) {
          if (++nesting > maxNesting) return limitError('nesting', `The document nests brackets more than ${maxNesting} levels deep; at most ${maxNesting} are allowed.`);
        } else if (kind === TokenKind.BRACE_R || kind === TokenKind.PAREN_R || kind === TokenKind.BRACKET_R) {
          nesting--;
        }
      }
    } catch {
      return null; // a syntax error: GRAPHQL_PARSE_FAILED from the parser, with its location
    }
    this.passed.set(query, true);
    return null;
  }
}
