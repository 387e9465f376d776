import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import type { RouterConfig } from './config.ts';

type Limits = RouterConfig['router']['limits'];

/**
 * graphql-armor prefixes every limit message with "Syntax Error: ", although only a parse failure
 * is one. The limits are the client's operation being too big: BAD_USER_INPUT, with the plain text.
 */
export function limitError(armorError: GraphQLError): GraphQLError {
  return new GraphQLError(armorError.message.replace(/^Syntax Error: /, ''), {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/**
 * Depth, alias and directive limits are validation rules: they report their error like any other
 * validation error instead of throwing (a throw out of validate() closed the whole graphql-ws socket
 * with 4500), so one operation over a limit is refused alone, with HTTP 400. The token limit stops
 * the parser itself, so it throws, as a parse failure does, but with the same typed error.
 *
 * Every alias counts towards maxAliases, `__typename` included: graphql-armor lets aliased
 * `__typename` through by default, which made "30 aliases" untrue.
 */
export function queryLimitsPlugin(limits: Limits): Plugin {
  const report = (context: ValidationContext | null, error: GraphQLError) => {
    if (!context) throw limitError(error);
    context.reportError(limitError(error));
  };
  const reported = { propagateOnRejection: false, onReject: [report] };
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, ...reported },
    maxAliases: { n: limits.maxAliases, allowList: [], ...reported },
    maxDirectives: { n: limits.maxDirectives, ...reported },
    // Called without a validation context, from inside the parser: report() throws.
    maxTokens: { n: limits.maxTokens, onReject: [report] },
    // Field suggestions leak the schema of what a caller may not know exists.
    blockFieldSuggestion: { enabled: true },
    costLimit: { enabled: false },
  });
}
