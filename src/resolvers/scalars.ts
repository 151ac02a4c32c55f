// The graphql-scalars scalars the schema uses, made to refuse bad input with BadUserInputError so a
// wrong value is BAD_USER_INPUT whether it comes in a variable or is written in the document.
import { GraphQLScalarType, Kind } from 'graphql';
import { DateTimeResolver, JSONObjectResolver, LocalDateResolver, URLResolver } from 'graphql-scalars';
import { dayNumber } from '../core/dates.js';
import { BadUserInputError } from '../core/errors.js';

function refusingAsUserInput(base: GraphQLScalarType): GraphQLScalarType {
  const refuse = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new BadUserInputError(error instanceof Error ? error.message : `Invalid ${base.name}.`);
    }
  };
  return new GraphQLScalarType({
    ...base.toConfig(),
    parseValue: (value) => refuse(() => base.parseValue(value)),
    parseLiteral: (ast, variables) => refuse(() => base.parseLiteral(ast, variables)),
  });
}

export const DateTime = refusingAsUserInput(DateTimeResolver);

const localDate = refusingAsUserInput(LocalDateResolver);
/**
 * Every link and statistics row carries LocalDates: a valid `yyyy-MM-dd` is answered as it is (what
 * graphql-scalars answers too) after an integer check, without the Date parsing it does; anything
 * else still goes through graphql-scalars.
 */
const isLocalDate = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(dayNumber(value));
export const LocalDate = new GraphQLScalarType({
  ...localDate.toConfig(),
  serialize: (value) => (isLocalDate(value) ? value : localDate.serialize(value)),
  parseValue: (value) => (isLocalDate(value) ? value : localDate.parseValue(value)),
  parseLiteral: (ast, variables) => (ast.kind === Kind.STRING && isLocalDate(ast.value) ? ast.value : localDate.parseLiteral(ast, variables)),
});
const url = refusingAsUserInput(URLResolver);
const urlsSerialised = new Map<string, unknown>();
/**
 * Every short link answers its URL, normalised by graphql-scalars (a WHATWG URL parse): the same
 * links are asked for again and again, so the normalised form is remembered (a bounded map).
 */
export const URL = new GraphQLScalarType({
  ...url.toConfig(),
  serialize: (value) => {
    if (typeof value !== 'string') return url.serialize(value);
    let serialised = urlsSerialised.get(value);
    if (serialised === undefined) {
      if (urlsSerialised.size >= 10_000) urlsSerialised.clear();
      urlsSerialised.set(value, (serialised = url.serialize(value)));
    }
    return serialised;
  },
});
export const JSONObject = refusingAsUserInput(JSONObjectResolver);
