// The schema is the contract, and its descriptions are its documentation: GraphiQL's Docs pane and the
// generated types show them. Every type, field, argument, input field, enum value and directive (with
// its arguments) of the schema the gateway builds from schema/*.graphql must say something beyond its
// own name; the failure names every element that does not. The generated types must carry them.
import { readFileSync } from 'node:fs';
import {
  buildASTSchema,
  concatAST,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadTypeDefs } from '../src/schema.js';
import { ROOT } from './helpers/tree-copy.js';

/** The schema as the gateway builds it: every schema/*.graphql file, extensions merged (as scripts/schema-check.ts prints it). */
function gatewaySchema(sources: readonly string[] = loadTypeDefs()): GraphQLSchema {
  return buildASTSchema(concatAST(sources.map((source) => parse(source))));
}

const ARTICLES = new Set(['a', 'an', 'the']);

/** The words of a name (`shortLinks`, `PHONE_MD5`, `LinkStat`) or a sentence, lower case, articles and punctuation left out. */
function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '' && !ARTICLES.has(word));
}

/** Why a description does not describe `name`, or null when it does: missing, empty, or only the name again ("The platform." on `platform`). */
function problemOf(name: string, description: string | null | undefined): string | null {
  if (description == null) return 'no description';
  if (description.trim() === '') return 'an empty description';
  if (words(description).join(' ') === words(name).join(' ')) return `a description that only repeats its name (${JSON.stringify(description)})`;
  return null;
}

/** Every element of the schema that needs a description, by schema coordinate, with the problem of each that lacks a useful one. */
function undescribed(schema: GraphQLSchema): { checked: number; problems: string[] } {
  const problems: string[] = [];
  let checked = 0;
  const check = (coordinate: string, name: string, description: string | null | undefined) => {
    checked++;
    const problem = problemOf(name, description);
    if (problem) problems.push(`${coordinate}: ${problem}`);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    check(type.name, type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.name, field.description);
        for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name}:)`, arg.name, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.name, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.name, value.description);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    check(`@${directive.name}`, directive.name, directive.description);
    for (const arg of directive.args) check(`@${directive.name}(${arg.name}:)`, arg.name, arg.description);
  }
  return { checked, problems };
}

describe('schema descriptions', () => {
  it('describe every type, field, argument, input field, enum value and directive of the schema', () => {
    const { checked, problems } = undescribed(gatewaySchema());
    expect(checked).toBeGreaterThan(250);
    expect(problems, `${problems.length} schema element(s) without a useful description (schema/*.graphql)`).toEqual([]);
  });

  it('are checked: a missing, empty or name-only description is named by its coordinate', () => {
    const sources = loadTypeDefs().map((source) =>
      source
        .replace('"The link\'s name, as entered in the JMLink console."\n', '')
        .replace('"Which APNs environment it was uploaded for."', '"Environment."')
        .replace('"What kind of identifier `value` is."\n  idType: PortraitIdType!\n  """', '""\n  idType: PortraitIdType!\n  """'),
    );
    const extra = 'extend type App { "The widget." widget("" size: Int): Int }\ndirective @shiny(level: Int) on FIELD_DEFINITION';
    const baseline = new Set(undescribed(gatewaySchema()).problems);
    const problems = undescribed(gatewaySchema([...sources, extra])).problems.filter((problem) => !baseline.has(problem));
    expect(problems).toEqual(
      expect.arrayContaining([
        'ShortLink.name: no description',
        expect.stringMatching(/^Certificate\.environment: a description that only repeats its name/),
        'PortraitSubjectInput.idType: an empty description',
        expect.stringMatching(/^App\.widget: a description that only repeats its name/),
        'App.widget(size:): an empty description',
        '@shiny: no description',
        '@shiny(level:): no description',
      ]),
    );
    expect(problems).toHaveLength(7);
  });
});

describe('generated types', () => {
  const schema = gatewaySchema();
  const description = (type: string, member: string): string => {
    const named = schema.getType(type);
    if (isEnumType(named)) return named.getValue(member)!.description!;
    if (isObjectType(named) || isInputObjectType(named)) return named.getFields()[member]!.description!;
    throw new Error(`${type} has no member ${member}`);
  };
  /** Whether `file` carries `text` as a JSDoc comment (one `/** … *\/` line, or ` * …` lines of a longer one). */
  const hasJsDoc = (file: string, text: string): boolean => {
    const generated = readFileSync(`${ROOT}${file}`, 'utf8');
    const lines = text.split('\n');
    const literal = (line: string) => line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (lines.length === 1 && new RegExp(`/\\*\\* ${literal(lines[0]!)} \\*/`).test(generated)) return true;
    return lines.every((line) => new RegExp(`^\\s*\\* ${literal(line)}$`, 'm').test(generated));
  };

  it('carry the descriptions as JSDoc: the client types, its enums and the server types', () => {
    // The client's input types and enums (operation results are inline types, without comments).
    expect(hasJsDoc('client/generated/graphql.ts', description('PortraitSubjectInput', 'value'))).toBe(true);
    expect(hasJsDoc('client/generated/graphql.ts', description('LinkPlatform', 'ALL'))).toBe(true);
    expect(hasJsDoc('client/generated/enums.ts', description('ErrorCode', 'RATE_LIMITED'))).toBe(true);
    // Every field of every type for clients too (`Schema.*` of the client's index).
    expect(hasJsDoc('client/generated/schema.ts', description('ShortLink', 'createdOn'))).toBe(true);
    expect(hasJsDoc('client/generated/schema.ts', description('LinkStat', 'clicks'))).toBe(true);
    // Every field in the server's types.
    expect(hasJsDoc('src/generated/graphql.ts', description('ShortLink', 'createdOn'))).toBe(true);
    expect(hasJsDoc('src/generated/graphql.ts', description('App', 'shortLinks'))).toBe(true);
  });
});
