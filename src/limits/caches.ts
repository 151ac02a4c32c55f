// Apollo Server's two caches of text a client chooses — parsed documents by the hash of their text,
// and automatic persisted queries — with a budget in bytes the heap really holds. Apollo's default
// for both is an LRU of 30 MiB as measured by JSON.stringify, which leaves out a document's source
// text and its token list (`loc`): a parsed document holds ~300 bytes of heap per token, about four
// times its JSON, and a 1 MiB document of comments measures a few bytes. An hostile campaign filled
// the default store with 88 MB of ASTs (4,300 documents) that stayed after it.
import type { DocumentNode, Token } from 'graphql';
import { LRUCache } from 'lru-cache';

/** Heap a parsed document holds per lexical token (Token, Location, AST node, arrays), measured on graphql 16. */
const BYTES_PER_TOKEN = 300;

/** What Apollo asks of a cache (`KeyValueCache` of @apollo/utils.keyvaluecache). */
export interface BoundedCache<V> {
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Entries and their estimated bytes (tests, metrics). */
  usage(): { entries: number; bytes: number };
}

/** Bytes of a string's characters: one each when every one fits in Latin-1 (V8's one-byte strings), else two. */
export function textBytes(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the Latin-1 range starts at U+0000
  return /[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length;
}

/** Estimated heap of a parsed document: its tokens (comments included) and its source text. */
export function documentBytes(document: DocumentNode): number {
  const loc = document.loc;
  if (!loc) return 64 * 1024; // parsed without locations: not the gateway's case; count it as large
  let tokens = 0;
  for (let token: Token | null = loc.startToken; token; token = token.next) tokens++;
  return tokens * BYTES_PER_TOKEN + textBytes(loc.source.body);
}

class BudgetCache<V extends object | string> implements BoundedCache<V> {
  private readonly lru: LRUCache<string, V>;

  constructor(maxBytes: number, maxEntryBytes: number, size: (value: V) => number) {
    this.lru = new LRUCache<string, V>({
      maxSize: maxBytes,
      maxEntrySize: maxEntryBytes,
      // The key (a SHA-256 and Apollo's prefix) and the LRU's own slots count too.
      sizeCalculation: (value, key) => Math.max(1, size(value) + key.length + 64),
    });
  }

  async get(key: string): Promise<V | undefined> {
    return this.lru.get(key);
  }

  async set(key: string, value: V, options?: { ttl?: number | null }): Promise<void> {
    // Apollo's ttl is in seconds; an entry larger than maxEntryBytes is not stored at all.
    this.lru.set(key, value, options?.ttl ? { ttl: options.ttl * 1000 } : undefined);
  }

  async delete(key: string): Promise<boolean> {
    return this.lru.delete(key);
  }

  usage(): { entries: number; bytes: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize };
  }
}

/**
 * Apollo's `documentStore`: documents that passed validation, parsed once. The client's operations
 * measure 4–27 KB each (introspection 51 KB), so 4 MiB holds some 200 of them; a document over
 * 256 KiB (~850 tokens, or a long comment) is parsed again each time instead.
 */
export function parsedDocumentStore(maxBytes = 4 * 1024 * 1024, maxEntryBytes = 256 * 1024): BoundedCache<DocumentNode> {
  return new BudgetCache<DocumentNode>(maxBytes, maxEntryBytes, documentBytes);
}

/** Apollo's `cache`, which holds only automatic persisted queries here: their text by hash. */
export function persistedQueryStore(maxBytes = 4 * 1024 * 1024, maxEntryBytes = 256 * 1024): BoundedCache<string> {
  return new BudgetCache<string>(maxBytes, maxEntryBytes, textBytes);
}
