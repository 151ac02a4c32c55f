// graphql-js 16 validates a subscription against a schema without a Subscription type and only fails
// when executing it (graphql 17 adds KnownOperationTypesRule): refuse it as a validation error.
import { GraphQLError, type ValidationRule } from 'graphql';

export const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    if (!root) context.reportError(new GraphQLError(`This schema does not support ${node.operation} operations.`, { nodes: node }));
  },
});
