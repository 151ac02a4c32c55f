// GraphiQL in trusted-documents mode offers exactly the manifests' operations: one tab per document
// (queries first, then mutations, marked), pretty-printed, with example variables where the gateway
// knows what a variable means. The page sends a tab's `documentId` whenever its text is still the
// document's (see browser.ts); an edited document is refused by the gateway, as from any client.

import { basename } from 'node:path';
import { type DocumentNode, Kind, type OperationDefinitionNode, parse, print, type TypeNode } from 'graphql';
import type { TrustedDocument } from '../../config/index.js';
import { type ExampleTab, exampleDates, MUTATION_MARK, PLACEHOLDERS } from './examples.js';

export interface TrustedTabs {
  tabs: ExampleTab[];
  /** The text the page compares (a tab's query without its leading comment lines) → document id. */
  ids: Record<string, string>;
}

/** The operation that tells the page which app has short links (client/operations/overview.graphql). */
export const PROBE_OPERATION = 'AppsWithLinks';

/** The operation that tells the page the caller's role (client/operations/viewer.graphql). */
export const VIEWER_OPERATION = 'Viewer';

export function trustedTabs(documents: readonly TrustedDocument[], nowMs: number = Date.now()): TrustedTabs {
  const dates = exampleDates(nowMs);
  const ids: Record<string, string> = {};
  const entries: { tab: ExampleTab; mutation: boolean }[] = [];
  for (const doc of documents) {
    let ast: DocumentNode;
    try {
      ast = parse(doc.document);
    } catch {
      continue; // a document that does not parse cannot run either; there is nothing to offer
    }
    const operations = ast.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length === 0) continue;
    const printed = print(ast);
    ids[printed] ??= doc.id;
    ids[doc.document.trim()] ??= doc.id;
    const mutation = operations.some((o) => o.operation === 'mutation');
    const header = [...(mutation ? [MUTATION_MARK] : []), `# Trusted (${basename(doc.manifest)}, ${doc.id.slice(0, 15)}…): runs only as written.`];
    const variables: Record<string, unknown> = {};
    for (const operation of operations) {
      for (const definition of operation.variableDefinitions ?? []) {
        const value = exampleValue(definition.variable.name.value, definition.type, dates);
        if (value !== undefined) variables[definition.variable.name.value] = value;
      }
    }
    entries.push({ tab: { query: `${header.join('\n')}\n${printed}\n`, ...(Object.keys(variables).length > 0 ? { variables } : {}) }, mutation });
  }
  // Reads first, then changes; otherwise in manifest order.
  const tabs = [...entries.filter((e) => !e.mutation), ...entries.filter((e) => e.mutation)].map((e) => e.tab);
  return { tabs, ids };
}

/** The id of a document holding only the named operation (the probe, the viewer), when a manifest has it. */
export function operationDocumentId(documents: readonly TrustedDocument[], operation: string): string | undefined {
  for (const doc of documents) {
    try {
      const names = parse(doc.document).definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION && d.name ? [d.name.value] : []));
      if (names.length === 1 && names[0] === operation) return doc.id;
    } catch {
      // not parseable: not the probe
    }
  }
  return undefined;
}

/**
 * An example value for a variable the gateway understands (by name and type); for any other required
 * variable the emptiest value of its type (to be filled in), and nothing for an optional one.
 */
export function exampleValue(name: string, type: TypeNode, dates: { from: string; to: string }): unknown {
  const required = type.kind === Kind.NON_NULL_TYPE;
  const inner = required ? type.type : type;
  if (inner.kind === Kind.LIST_TYPE) return required ? [] : undefined;
  const typeName = inner.kind === Kind.NAMED_TYPE ? inner.name.value : '';
  const known: Record<string, unknown> = {
    LinkPlatform: 'ALL',
    AppPlatform: 'ANDROID',
    PortraitIdType: 'OAID',
    PortraitSubjectInput: { idType: 'OAID', value: 'oaid-1' },
    LocalDate: name === 'from' ? dates.from : dates.to,
  };
  if (typeName in known) return known[typeName];
  if (name === 'appKey' && (typeName === 'ID' || typeName === 'String')) return PLACEHOLDERS.appKey;
  if (name === 'key' && typeName === 'String') return PLACEHOLDERS.linkKey;
  if (name === 'first' && typeName === 'Int') return 5;
  if (!required) return undefined;
  const empty: Record<string, unknown> = { String: '', ID: '', Int: 0, Float: 0, Boolean: false };
  return typeName in empty ? empty[typeName] : {};
}
