// A V8 .heapsnapshot read without holding it: streamed in chunks and tokenized by hand into typed
// arrays (the nodes' type, name, id, self size and edge count; the edges' type, name and target),
// about 100 bytes a node and 13 an edge with the dominator tree, where JSON.parse of a 150 MB
// snapshot would take gigabytes. Of the strings table (the last section) only the names shown are kept.
// What it tells, as Chrome DevTools' "Summary" view: the heap's total self size, the constructors
// (node name for objects and native objects, `(string)`, `(compiled code)`, `(system)`, `(array)`,
// `(closure)`… for the rest) by self size with their counts and retained sizes (the dominator tree,
// Lengauer–Tarjan, weak edges left out as DevTools does); what keeps the two biggest groups alive
// (their members by immediate dominator: its class and reference); the largest objects by retained
// size; the largest strings. `node --import tsx scripts/bench/heap.ts FILE…` prints it for any snapshot.
import { createReadStream, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface HeapClass {
  name: string;
  count: number;
  selfSize: number;
  /** What would be freed with all of them: the retained sizes of those not dominated by another of the class. */
  retainedSize: number;
}

export interface HeapRetainer {
  /** `Class.edge`: the class of the dominator and the name of its reference (`[]` for elements). */
  via: string;
  /** Members of the group it holds, and their self size. */
  count: number;
  selfSize: number;
}

export interface HeapObject {
  name: string;
  id: number;
  selfSize: number;
  retainedSize: number;
  /** One reference to it: `Class.edge`. */
  via: string;
}

export interface HeapSummary {
  file: string;
  fileBytes: number;
  nodes: number;
  edges: number;
  /** Sum of every node's self size (DevTools' "Total"). */
  totalSize: number;
  /** Nodes not reachable from the root through strong edges (not in any retained size). */
  unreachable: number;
  /** Every class, biggest self size first. */
  classes: HeapClass[];
  /** The biggest classes by self size, their members by immediate dominator: most held first. */
  retainers: { group: string; selfSize: number; rows: HeapRetainer[] }[];
  largest: HeapObject[];
  strings: { selfSize: number; text: string }[];
  parseSeconds: number;
}

// ---- the tokenizer ----------------------------------------------------------------------------

enum State {
  Header,
  Seek,
  Numbers,
  Strings,
  Done,
}

interface Meta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
}

const bytes = (s: string) => Buffer.from(s, 'latin1');
const NODES = bytes('"nodes":[');
const EDGES = bytes('"edges":[');
const STRINGS = bytes('"strings":[');

/** The snapshot's sections, filled in as the file streams by. */
class Snapshot {
  nodeTypes: string[] = [];
  edgeTypes: string[] = [];
  nodeCount = 0;
  edgeCount = 0;
  // per node
  type = new Uint8Array(0);
  name = new Uint32Array(0);
  id = new Uint32Array(0);
  self = new Float64Array(0);
  /** Index of the node's first edge; firstEdge[nodeCount] = edgeCount. */
  firstEdge = new Uint32Array(0);
  // per edge
  edgeType = new Uint8Array(0);
  edgeName = new Uint32Array(0);
  edgeTo = new Uint32Array(0);
  // field positions
  private nodeFieldCount = 0;
  private edgeFieldCount = 0;
  private nf = { type: 0, name: 0, id: 0, self: 0, edges: 0 };
  private ef = { type: 0, name: 0, to: 0 };

  // tokenizer state
  private state = State.Header;
  private header: Buffer[] = [];
  private seek: Buffer = NODES;
  private seekAt = 0;
  private section: 'nodes' | 'edges' = 'nodes';
  private value = 0;
  private inNumber = false;
  private field = 0;
  private item = 0;
  private stringIndex = 0;
  private inString = false;
  private escaped = false;
  private pieces: Buffer[] | null = null;
  /** Which strings to keep, decided once the edges are read (`onGraph`). */
  wanted: Uint8Array = new Uint8Array(0);
  readonly strings = new Map<number, string>();
  onGraph: () => void = () => {};

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && this.state !== State.Done) {
      switch (this.state) {
        case State.Header:
          i = this.readHeader(chunk);
          break;
        case State.Seek:
          i = this.findSeek(chunk, i);
          break;
        case State.Numbers:
          i = this.readNumbers(chunk, i);
          break;
        case State.Strings:
          i = this.readStrings(chunk, i);
          break;
      }
    }
  }

  finish(): void {
    if (this.state !== State.Done) throw new Error(`the heap snapshot ends early (in ${State[this.state]}${this.state === State.Numbers ? ` of ${this.section}` : ''})`);
  }

  private readHeader(chunk: Buffer): number {
    this.header.push(chunk);
    const text = Buffer.concat(this.header);
    const at = text.indexOf(NODES);
    if (at < 0) {
      if (text.length > 1 << 20) throw new Error('not a V8 heap snapshot: no "nodes" within its first MB');
      this.header = [text];
      // The whole chunk is taken; the next one continues the search.
      return chunk.length;
    }
    const json = text.subarray(0, at).toString('utf8').trimEnd().replace(/,$/, '');
    const { snapshot } = JSON.parse(`${json}}`) as { snapshot: { meta: Meta; node_count: number; edge_count: number } };
    const meta = snapshot.meta;
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    this.nodeFieldCount = meta.node_fields.length;
    this.edgeFieldCount = meta.edge_fields.length;
    const field = (fields: string[], name: string) => {
      const index = fields.indexOf(name);
      if (index < 0) throw new Error(`heap snapshot without the ${name} field`);
      return index;
    };
    this.nf = {
      type: field(meta.node_fields, 'type'),
      name: field(meta.node_fields, 'name'),
      id: field(meta.node_fields, 'id'),
      self: field(meta.node_fields, 'self_size'),
      edges: field(meta.node_fields, 'edge_count'),
    };
    this.ef = { type: field(meta.edge_fields, 'type'), name: field(meta.edge_fields, 'name_or_index'), to: field(meta.edge_fields, 'to_node') };
    this.nodeCount = snapshot.node_count;
    this.edgeCount = snapshot.edge_count;
    this.type = new Uint8Array(this.nodeCount);
    this.name = new Uint32Array(this.nodeCount);
    this.id = new Uint32Array(this.nodeCount);
    this.self = new Float64Array(this.nodeCount);
    this.firstEdge = new Uint32Array(this.nodeCount + 1);
    this.edgeType = new Uint8Array(this.edgeCount);
    this.edgeName = new Uint32Array(this.edgeCount);
    this.edgeTo = new Uint32Array(this.edgeCount);
    this.header = [];
    this.startNumbers('nodes');
    // Where the rest of this chunk begins: the header was possibly spread over earlier chunks.
    return chunk.length - (text.length - (at + NODES.length));
  }

  private findSeek(chunk: Buffer, from: number): number {
    const pattern = this.seek;
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === pattern[this.seekAt]) {
        if (++this.seekAt === pattern.length) {
          this.seekAt = 0;
          if (pattern === EDGES) this.startNumbers('edges');
          else this.state = State.Strings;
          return i + 1;
        }
      } else this.seekAt = b === pattern[0] ? 1 : 0;
    }
    return chunk.length;
  }

  private startNumbers(section: 'nodes' | 'edges'): void {
    this.section = section;
    this.state = State.Numbers;
    this.value = 0;
    this.inNumber = false;
    this.field = 0;
    this.item = 0;
  }

  private readNumbers(chunk: Buffer, from: number): number {
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b >= 48 && b <= 57) {
        this.value = this.value * 10 + (b - 48);
        this.inNumber = true;
        continue;
      }
      if (this.inNumber) {
        this.store(this.value);
        this.value = 0;
        this.inNumber = false;
      }
      if (b === 93 /* ] */) {
        if (this.section === 'nodes') {
          if (this.item !== this.nodeCount) throw new Error(`heap snapshot: ${this.item} nodes, its header says ${this.nodeCount}`);
          for (let n = 0; n < this.nodeCount; n++) this.firstEdge[n + 1] = this.firstEdge[n + 1]! + this.firstEdge[n]!;
          this.seek = EDGES;
        } else {
          if (this.item !== this.edgeCount) throw new Error(`heap snapshot: ${this.item} edges, its header says ${this.edgeCount}`);
          this.onGraph();
          this.seek = STRINGS;
        }
        this.state = State.Seek;
        return i + 1;
      }
    }
    return chunk.length;
  }

  private store(value: number): void {
    const f = this.field;
    const n = this.item;
    if (this.section === 'nodes') {
      if (f === this.nf.type) this.type[n] = value;
      else if (f === this.nf.name) this.name[n] = value;
      else if (f === this.nf.id) this.id[n] = value;
      else if (f === this.nf.self) this.self[n] = value;
      else if (f === this.nf.edges) this.firstEdge[n + 1] = value;
      if (++this.field === this.nodeFieldCount) {
        this.field = 0;
        this.item++;
      }
    } else {
      if (f === this.ef.type) this.edgeType[n] = value;
      else if (f === this.ef.name) this.edgeName[n] = value;
      else if (f === this.ef.to) this.edgeTo[n] = value / this.nodeFieldCount;
      if (++this.field === this.edgeFieldCount) {
        this.field = 0;
        this.item++;
      }
    }
  }

  private readStrings(chunk: Buffer, from: number): number {
    let start = this.inString ? from : -1;
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === 92 /* \ */) this.escaped = true;
        else if (b === 34 /* " */) {
          this.inString = false;
          if (this.pieces) {
            this.pieces.push(chunk.subarray(start, i));
            const raw = Buffer.concat(this.pieces).toString('utf8');
            this.strings.set(this.stringIndex, raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw);
            this.pieces = null;
          }
          this.stringIndex++;
        }
      } else if (b === 34) {
        this.inString = true;
        start = i + 1;
        this.pieces = this.wanted[this.stringIndex] ? [] : null;
      } else if (b === 93) {
        this.state = State.Done;
        return chunk.length;
      }
    }
    if (this.inString && this.pieces) this.pieces.push(Buffer.from(chunk.subarray(start)));
    return chunk.length;
  }
}

// ---- the analysis -----------------------------------------------------------------------------

export interface HeapOptions {
  /** Largest objects listed. */
  largest?: number;
  /** Classes (the biggest by self size) told by what keeps them alive, and rows for each. */
  groups?: number;
  retainers?: number;
  /** Bytes read at a time (4 MiB). */
  chunkBytes?: number;
}

/** Reads a .heapsnapshot and summarizes it (see the header). */
export async function summarizeHeapSnapshot(file: string, options: HeapOptions = {}): Promise<HeapSummary> {
  const t0 = performance.now();
  const s = new Snapshot();
  let analysis: Analysis | null = null;
  s.onGraph = () => {
    analysis = analyze(s, options);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: options.chunkBytes ?? 4 << 20 })) s.feed(chunk as Buffer);
  s.finish();
  const a = analysis as Analysis | null;
  if (!a) throw new Error('heap snapshot without edges');
  const label = (n: string | number) => (typeof n === 'string' ? n : (s.strings.get(n) ?? `#${n}`));
  const classNames = a.classKeys.map(label);
  const classes: HeapClass[] = a.classKeys.map((_, c) => ({ name: classNames[c]!, count: a.classCount[c]!, selfSize: a.classSelf[c]!, retainedSize: a.classRetained[c]! }));
  classes.sort((x, y) => y.selfSize - x.selfSize);
  const via = (r: Ref) =>
    `${classNames[r.holderClass]}${r.edgeKind === 'element' ? '[]' : r.edgeKind === 'hidden' ? '.(hidden)' : r.edgeKind === 'shared' ? ' (through several references)' : `.${label(r.edgeName)}`}`;
  const retainers = a.retainers.map(({ classId, refs }) => {
    const rows = new Map<string, HeapRetainer>();
    for (const r of refs) {
      const key = via(r);
      const row = rows.get(key) ?? { via: key, count: 0, selfSize: 0 };
      row.count += r.count;
      row.selfSize += r.selfSize;
      rows.set(key, row);
    }
    const sorted = [...rows.values()].sort((x, y) => y.selfSize - x.selfSize);
    return { group: classNames[classId]!, selfSize: a.classSelf[classId]!, rows: sorted.slice(0, options.retainers ?? 10) };
  });
  return {
    file,
    fileBytes: statSync(file).size,
    nodes: s.nodeCount,
    edges: s.edgeCount,
    totalSize: a.totalSize,
    unreachable: a.unreachable,
    classes,
    retainers,
    largest: a.largest.map((o) => ({
      name: o.name === null ? classNames[o.classId]! : `${classNames[o.classId]} ${label(o.name) || '(anonymous)'}`,
      id: o.id,
      selfSize: o.selfSize,
      retainedSize: o.retainedSize,
      via: o.via ? via(o.via) : '(root)',
    })),
    strings: a.strings.map((t) => ({ selfSize: t.selfSize, text: label(t.name) })),
    parseSeconds: (performance.now() - t0) / 1000,
  };
}

interface Ref {
  holderClass: number;
  edgeKind: string;
  edgeName: number;
  count: number;
  selfSize: number;
}

interface Analysis {
  /** A class's name: a string index (object and native nodes), or the name itself. */
  classKeys: (string | number)[];
  classCount: Float64Array;
  classSelf: Float64Array;
  classRetained: Float64Array;
  totalSize: number;
  unreachable: number;
  retainers: { classId: number; refs: Ref[] }[];
  /** `name`: a closure's function name. */
  largest: { id: number; classId: number; name: number | null; selfSize: number; retainedSize: number; via: Ref | null }[];
  strings: { name: number; selfSize: number }[];
}

/** Everything but the names, from the nodes and edges (before the strings are read, so it can say which to keep). */
function analyze(s: Snapshot, options: HeapOptions): Analysis {
  const N = s.nodeCount;
  const t = (name: string) => s.nodeTypes.indexOf(name);
  const e = (name: string) => s.edgeTypes.indexOf(name);
  const OBJECT = t('object');
  const NATIVE = t('native');
  const CLOSURE = t('closure');
  const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string'].map(t));
  const WEAK = e('weak');
  const SHORTCUT = e('shortcut');
  const ELEMENT = e('element');
  const HIDDEN_EDGE = e('hidden');
  const wanted = new Uint8Array(Math.max(maxOf(s.name), maxOf(s.edgeName)) + 1);
  s.wanted = wanted;

  // Classes, as DevTools' className(): objects and native objects by name, the rest by type.
  const classOf = new Uint32Array(N);
  const classIds = new Map<number, number>();
  const classKeys: (string | number)[] = [];
  const typeClass = (type: string) => (type === 'hidden' ? '(system)' : type === 'code' ? '(compiled code)' : `(${type})`);
  for (let n = 0; n < N; n++) {
    const type = s.type[n]!;
    const byName = type === OBJECT || type === NATIVE;
    const key = byName ? s.nodeTypes.length + s.name[n]! : type;
    let id = classIds.get(key);
    if (id === undefined) {
      id = classKeys.length;
      classIds.set(key, id);
      classKeys.push(byName ? s.name[n]! : typeClass(s.nodeTypes[type] ?? String(type)));
      if (byName) wanted[s.name[n]!] = 1;
    }
    classOf[n] = id;
  }
  const C = classKeys.length;
  const classCount = new Float64Array(C);
  const classSelf = new Float64Array(C);
  let totalSize = 0;
  for (let n = 0; n < N; n++) {
    classCount[classOf[n]!]!++;
    classSelf[classOf[n]!]! += s.self[n]!;
    totalSize += s.self[n]!;
  }

  // Strong edges, as DevTools' isEssentialEdge: no weak ones, shortcuts only from the root (node 0).
  const strong = (from: number, edge: number) => {
    const type = s.edgeType[edge]!;
    return type !== WEAK && (type !== SHORTCUT || from === 0);
  };
  const ref = (from: number, edge: number, to: number): Ref => {
    const kind = s.edgeTypes[s.edgeType[edge]!] ?? '?';
    if (kind !== 'element' && kind !== 'hidden') wanted[s.edgeName[edge]!] = 1;
    return { holderClass: classOf[from]!, edgeKind: kind, edgeName: s.edgeName[edge]!, count: 1, selfSize: s.self[to]! };
  };

  // The dominator tree (Lengauer–Tarjan, the simple version, iterative), in DFS numbers 1…n.
  const dfn = new Uint32Array(N); // node → DFS number, 0 = unreachable
  const vertex = new Uint32Array(N + 1); // DFS number → node
  const parent = new Uint32Array(N + 1);
  {
    const stack = new Uint32Array(N);
    const next = new Uint32Array(N); // the next edge to follow of each node on the stack
    let top = 0;
    let count = 0;
    stack[top++] = 0;
    dfn[0] = ++count;
    vertex[count] = 0;
    next[0] = s.firstEdge[0]!;
    while (top > 0) {
      const v = stack[top - 1]!;
      const end = s.firstEdge[v + 1]!;
      let edge = next[v]!;
      while (edge < end && (!strong(v, edge) || dfn[s.edgeTo[edge]!] !== 0)) edge++;
      if (edge === end) {
        top--;
        continue;
      }
      next[v] = edge + 1;
      const w = s.edgeTo[edge]!;
      dfn[w] = ++count;
      vertex[count] = w;
      parent[count] = dfn[v]!;
      next[w] = s.firstEdge[w]!;
      stack[top++] = w;
    }
  }
  let n = 0;
  for (let v = 0; v < N; v++) if (dfn[v]) n++;
  // Predecessors along strong edges, by DFS number of the target.
  const predStart = new Uint32Array(n + 2);
  for (let v = 0; v < N; v++) {
    if (!dfn[v]) continue;
    for (let edge = s.firstEdge[v]!; edge < s.firstEdge[v + 1]!; edge++) if (strong(v, edge)) predStart[dfn[s.edgeTo[edge]!]! + 1]!++;
  }
  for (let i = 1; i <= n + 1; i++) predStart[i] = predStart[i]! + predStart[i - 1]!;
  const preds = new Uint32Array(predStart[n + 1]!);
  {
    const fill = predStart.slice(0, n + 1);
    for (let v = 0; v < N; v++) {
      if (!dfn[v]) continue;
      for (let edge = s.firstEdge[v]!; edge < s.firstEdge[v + 1]!; edge++) if (strong(v, edge)) preds[fill[dfn[s.edgeTo[edge]!]!]!++] = dfn[v]!;
    }
  }
  const semi = new Uint32Array(n + 1);
  const ancestor = new Uint32Array(n + 1);
  const label = new Uint32Array(n + 1);
  const idom = new Uint32Array(n + 1);
  const bucketHead = new Uint32Array(n + 1);
  const bucketNext = new Uint32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    semi[i] = i;
    label[i] = i;
  }
  const chain: number[] = [];
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    // compress(v), without recursion: chains can be a million long (linked lists).
    let x = v;
    while (ancestor[ancestor[x]!] !== 0) {
      chain.push(x);
      x = ancestor[x]!;
    }
    while (chain.length > 0) {
      const y = chain.pop()!;
      const a = ancestor[y]!;
      if (semi[label[a]!]! < semi[label[y]!]!) label[y] = label[a]!;
      ancestor[y] = ancestor[a]!;
    }
    return label[v]!;
  };
  for (let w = n; w >= 2; w--) {
    for (let p = predStart[w]!; p < predStart[w + 1]!; p++) {
      const u = evaluate(preds[p]!);
      if (semi[u]! < semi[w]!) semi[w] = semi[u]!;
    }
    bucketNext[w] = bucketHead[semi[w]!]!;
    bucketHead[semi[w]!] = w;
    const pw = parent[w]!;
    ancestor[w] = pw;
    for (let v = bucketHead[pw]!; v !== 0; v = bucketNext[v]!) {
      const u = evaluate(v);
      idom[v] = semi[u]! < semi[v]! ? u : pw;
    }
    bucketHead[pw] = 0;
  }
  for (let w = 2; w <= n; w++) if (idom[w] !== semi[w]) idom[w] = idom[idom[w]!]!;
  idom[1] = 0;

  // Retained sizes: a node's own plus those of the nodes it dominates (children have higher numbers).
  const retained = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) retained[i] = s.self[vertex[i]!]!;
  for (let i = n; i >= 2; i--) retained[idom[i]!]! += retained[i]!;
  // A class's retained size: its members not dominated by another member (a walk of the tree).
  const classRetained = new Float64Array(C);
  {
    const childHead = bucketHead.fill(0);
    const sibling = bucketNext.fill(0);
    for (let i = n; i >= 2; i--) {
      sibling[i] = childHead[idom[i]!]!;
      childHead[idom[i]!] = i;
    }
    const inPath = new Uint32Array(C);
    const stack = semi; // reused: semi is no longer needed
    const cursor = label; // reused: the next child to visit of each node on the stack
    let top = 0;
    const enter = (i: number) => {
      const c = classOf[vertex[i]!]!;
      if (inPath[c] === 0) classRetained[c]! += retained[i]!;
      inPath[c]!++;
      cursor[i] = childHead[i]!;
      stack[top++] = i;
    };
    enter(1);
    while (top > 0) {
      const i = stack[top - 1]!;
      const child = cursor[i]!;
      if (child !== 0) {
        cursor[i] = sibling[child]!;
        enter(child);
      } else {
        inPath[classOf[vertex[i]!]!]!--;
        top--;
      }
    }
  }

  // What keeps the biggest classes (by self size) alive: each member under its immediate dominator
  // (freed with it), named by that one's class and its reference to the member, when it has one.
  const groups = [...classSelf.keys()].sort((x, y) => classSelf[y]! - classSelf[x]!).slice(0, options.groups ?? 2);
  const groupOf = new Int32Array(C).fill(-1);
  for (const [g, c] of groups.entries()) groupOf[c] = g;
  const byHolder = groups.map(() => new Map<string, Ref>());
  const add = (g: number, key: string, make: () => Ref, size: number) => {
    const row = byHolder[g]!.get(key);
    if (!row) byHolder[g]!.set(key, make());
    else {
      row.count++;
      row.selfSize += size;
    }
  };
  const placed = new Uint8Array(N);
  for (let v = 0; v < N; v++) {
    const dv = dfn[v]!;
    if (!dv) continue;
    for (let edge = s.firstEdge[v]!; edge < s.firstEdge[v + 1]!; edge++) {
      const to = s.edgeTo[edge]!;
      const g = groupOf[classOf[to]!]!;
      if (g < 0 || placed[to] || idom[dfn[to]!] !== dv || !strong(v, edge)) continue;
      placed[to] = 1;
      const type = s.edgeType[edge]!;
      const named = type !== ELEMENT && type !== HIDDEN_EDGE;
      add(g, `${classOf[v]}/${type}/${named ? s.edgeName[edge] : ''}`, () => ref(v, edge, to), s.self[to]!);
    }
  }
  for (let v = 0; v < N; v++) {
    const g = groupOf[classOf[v]!]!;
    if (g < 0 || placed[v] || !dfn[v]) continue;
    const holder = vertex[idom[dfn[v]!]!]!;
    add(g, `${classOf[holder]}/shared`, () => ({ holderClass: classOf[holder]!, edgeKind: 'shared', edgeName: 0, count: 1, selfSize: s.self[v]! }), s.self[v]!);
  }

  // The largest objects (objects, closures, native objects) by retained size, with one reference to each.
  const listed = options.largest ?? 12;
  const top: number[] = [];
  for (let i = 2; i <= n; i++) {
    const type = s.type[vertex[i]!]!;
    if (type !== OBJECT && type !== CLOSURE && type !== NATIVE) continue;
    if (top.length < listed || retained[i]! > retained[top.at(-1)!]!) {
      top.push(i);
      top.sort((x, y) => retained[y]! - retained[x]!);
      if (top.length > listed) top.pop();
    }
  }
  const largest = top.map((i) => {
    const node = vertex[i]!;
    // Its immediate dominator when that refers to it directly (the one that holds it), else any referrer.
    let holder = -1;
    for (let p = predStart[i]!; p < predStart[i + 1]!; p++) if (holder < 0 || preds[p] === idom[i]) holder = preds[p]!;
    let via: Ref | null = null;
    if (holder >= 0) {
      const from = vertex[holder]!;
      for (let edge = s.firstEdge[from]!; edge < s.firstEdge[from + 1]! && !via; edge++) if (s.edgeTo[edge] === node && strong(from, edge)) via = ref(from, edge, node);
    }
    const closure = s.type[node] === CLOSURE;
    if (closure) wanted[s.name[node]!] = 1;
    return { id: s.id[node]!, classId: classOf[node]!, name: closure ? s.name[node]! : null, selfSize: s.self[node]!, retainedSize: retained[i]!, via };
  });

  // The largest strings, their text cut short.
  const strings: { name: number; selfSize: number }[] = [];
  for (let v = 0; v < N; v++) {
    if (!STRING_TYPES.has(s.type[v]!)) continue;
    if (strings.length < 5 || s.self[v]! > strings.at(-1)!.selfSize) {
      strings.push({ name: s.name[v]!, selfSize: s.self[v]! });
      strings.sort((x, y) => y.selfSize - x.selfSize);
      if (strings.length > 5) strings.pop();
    }
  }
  for (const str of strings) wanted[str.name] = 1;

  return {
    classKeys,
    classCount,
    classSelf,
    classRetained,
    totalSize,
    unreachable: N - n,
    retainers: groups.map((classId, g) => ({ classId, refs: [...byHolder[g]!.values()] })),
    largest,
    strings,
  };
}

function maxOf(array: Uint32Array): number {
  let max = 0;
  for (let i = 0; i < array.length; i++) if (array[i]! > max) max = array[i]!;
  return max;
}

// ---- the report -------------------------------------------------------------------------------

const mb = (b: number) => `${(b / 2 ** 20).toFixed(b >= 10 * 2 ** 20 ? 1 : 2)} MB`;
const kb = (b: number) => (b >= 2 ** 20 ? mb(b) : `${(b / 1024).toFixed(1)} kB`);
const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;
const oneLine = (text: string, max: number) => {
  const flat = JSON.stringify(text).slice(1, -1);
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

/** The summary as the bench prints it (indented, a Markdown table for the classes). */
export function heapSummaryLines(h: HeapSummary, top = 15): string[] {
  const lines = [
    `  ${h.file}: ${mb(h.fileBytes)}, ${h.nodes.toLocaleString('en')} nodes, ${h.edges.toLocaleString('en')} edges, read in ${h.parseSeconds.toFixed(1)} s`,
    `  live heap (the snapshot's total self size; V8 collects garbage before it writes one): ${mb(h.totalSize)}` +
      (h.unreachable > 0 ? ` (${h.unreachable.toLocaleString('en')} nodes reachable only through weak references)` : ''),
    '',
    '  | constructor | count | self size | % of heap | retained size |',
    '  |---|---|---|---|---|',
  ];
  for (const c of h.classes.slice(0, top)) {
    lines.push(`  | ${c.name.replaceAll('|', '\\|')} | ${c.count.toLocaleString('en')} | ${kb(c.selfSize)} | ${share(c.selfSize, h.totalSize)} | ${kb(c.retainedSize)} |`);
  }
  const rest = h.classes.slice(top);
  if (rest.length > 0) {
    const size = rest.reduce((n, c) => n + c.selfSize, 0);
    lines.push(`  | ${rest.length} more | ${rest.reduce((n, c) => n + c.count, 0).toLocaleString('en')} | ${kb(size)} | ${share(size, h.totalSize)} | |`);
  }
  for (const group of h.retainers) {
    lines.push('', `  what keeps ${group.group} (${kb(group.selfSize)}) alive: its members by immediate dominator (freed with it) and that one's reference:`);
    for (const r of group.rows) lines.push(`    ${kb(r.selfSize).padStart(9)}  ${r.count.toLocaleString('en').padStart(9)} × ${r.via}`);
  }
  if (h.largest.length > 0) {
    lines.push('', '  largest objects by retained size (nested ones each count what they hold):');
    for (const o of h.largest) lines.push(`    ${kb(o.retainedSize).padStart(9)}  ${o.name} @${o.id}, self ${kb(o.selfSize)}, held by ${o.via}`);
  }
  if (h.strings.length > 0) {
    lines.push('', '  largest strings:');
    for (const str of h.strings) lines.push(`    ${kb(str.selfSize).padStart(9)}  "${oneLine(str.text, 100)}"`);
  }
  return lines;
}

// `node --import tsx scripts/bench/heap.ts FILE…`: the same summary of snapshots taken elsewhere.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node --import tsx scripts/bench/heap.ts FILE.heapsnapshot…');
    process.exit(2);
  }
  for (const file of files) {
    const summary = await summarizeHeapSnapshot(file);
    for (const line of heapSummaryLines(summary)) console.log(line);
    console.log('');
  }
}
