// The first limit a document meets, before it is parsed: its tokens and how deeply its brackets
// nest, counted by graphql-js's own lexer in one pass with no recursion. A document over either is
// refused at once (a parser could otherwise spend seconds on it, or overflow its stack).
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { LRUCache } from 'lru-cache';
import { textBytes } from './caches.js';

export interface DocumentLimits {
  maxTokens: number;
  maxNesting: number;
}

/** A refusal: GRAPHQL_VALIDATION_FAILED naming the limit (HTTP 400). */
export function limitError(limit: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit, http: { status: 400 } } });
}

export class DocumentGuard {
  /**
   * Documents that passed, so a client's repeated operations are lexed once. The texts are what it
   * holds: 2 MiB of them at most, none over 64 KiB (a longer one is lexed each time: 0.3 ms for 5,000 tokens).
   */
  private readonly passed = new LRUCache<string, true>({ max: 2000, maxSize: 2 * 1024 * 1024, maxEntrySize: 64 * 1024, sizeCalculation: (_v, key) => textBytes(key) + 64 });

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

  /** Null when a request's variables or extensions nest no deeper than the documents may: deeper
   * values would overflow the stack of whatever walks them recursively (JSON.stringify included). */
  checkValues(name: 'variables' | 'extensions', value: unknown): GraphQLError | null {
    const max = this.limits.maxNesting;
    const deep = typeof value === 'string' ? textNesting(value, max) : valueNesting(value, max);
    if (!deep) return null;
    return new GraphQLError(`The request's ${name} nest more than ${max} levels deep; at most ${max} are allowed.`, {
      extensions: { code: 'BAD_USER_INPUT', limit: 'nesting', http: { status: 400 } },
    });
  }
}

/**
 * A JSON request body's nesting, checked on its text before it is parsed: an operation's members
 * may nest `max` levels (one level more counts the body's object, two in a batch). JSON.parse keeps a
 * native stack as deep as the text — 20 MB for the 400,000 levels a 1 MB body holds — and once glibc
 * has given such a block back, it serves every later allocation up to that size from its heap,
 * which is not returned to the system: the process stayed 45 MB larger after one hostile campaign.
 * The refusal names `variables` or `extensions` as `checkValues` would on the parsed body; null
 * when within the limit (or not JSON: the parser reports that).
 */
export function jsonBodyNesting(text: string, max: number): string | null {
  if (text.length <= max + 1) return null;
  let depth = 0;
  let members = 1; // the depth of an operation's members: 1 in `{…}`, 2 in a batch `[{…}]`
  let key = -1; // where the last string started, and ended
  let keyEnd = -1;
  let member = -1;
  let memberEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      key = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      keyEnd = i;
    } else if (c === 0x5b || c === 0x7b) {
      if (depth === 0 && c === 0x5b) members = 2;
      if (++depth > max + members) {
        const name = member >= 0 && memberEnd - member < 64 ? memberName(text.slice(member, memberEnd + 1)) : null;
        if (name === 'variables' || name === 'extensions') return `The request's ${name} nest more than ${max} levels deep; at most ${max} are allowed.`;
        return `The request body nests brackets more than ${max + members} levels deep; at most ${max + members} are allowed.`;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x3a && depth === members) [member, memberEnd] = [key, keyEnd];
  }
  return null;
}

function memberName(quoted: string): string | null {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return null;
  }
}

/** Whether a parsed JSON value nests arrays and objects more than `max` levels (iteratively). */
function valueNesting(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: [object, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** The same for JSON text not parsed yet (a GET request's parameters): brackets outside strings. */
function textNesting(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
