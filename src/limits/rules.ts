// The generic document limits, from graphql-armor (each fragment measured once, so linear in the
// document): depth, aliases and directives, introspection counted like any other field. (Field
// suggestions are hidden with introspection off by Apollo's own hideSchemaDetailsFromClientErrors.)
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLError, ValidationContext, ValidationRule } from 'graphql';
import type { LimitSettings } from '../config/index.js';
import { limitError } from './document.js';

export type RuleLimits = Pick<LimitSettings, 'maxDepth' | 'maxAliases' | 'maxDirectives'>;

/** graphql-armor reports through callbacks; we report a GRAPHQL_VALIDATION_FAILED naming the limit. */
function reportAs(limit: string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        context?.reportError(limitError(limit, `${error.message.replace(/^Syntax Error: /, '')} (limit: ${limit})`));
      },
    ],
  };
}

export function limitRules(limits: RuleLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: false, flattenFragments: true, ...reportAs('depth') }) as ValidationRule,
    maxAliasesRule({ n: limits.maxAliases, ...reportAs('aliases') }) as ValidationRule,
    maxDirectivesRule({ n: limits.maxDirectives, ...reportAs('directives') }) as ValidationRule,
  ];
}
