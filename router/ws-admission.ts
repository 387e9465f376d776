import { randomUUID } from 'node:crypto';

import type { Logger } from '@gochat/log';
import {
  GraphQLError,
  getOperationAST,
  getVariableValues,
  type DocumentNode,
  type OperationDefinitionNode,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';

import { sanitizeError } from './errors.ts';
import { unstorableTextError } from './text-check.ts';
import type { EnvelopedRouter } from './yoga.ts';

export interface AdmittedOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
}

/**
 * What the router checks of a graphql-ws operation before running it: it parses (token limit), is
 * valid (depth, alias and directive limits, introspection when off), names an operation of the
 * document, has variables of the declared types, and holds no unstorable text. A refusal is the
 * errors of this operation alone, which graphql-ws sends as its `error` message: nothing here throws,
 * since a throw out of onSubscribe closes the whole socket with 4500.
 */
export function admitOperation(
  router: Pick<EnvelopedRouter, 'schema' | 'parse' | 'validate'>,
  payload: SubscribePayload,
  log: Logger,
): AdmittedOperation | GraphQLError[] {
  const requestId = randomUUID();
  const refused = (errors: readonly unknown[], code: string) =>
    errors.map((e) => forClient(e, code, log, requestId));
  let document: DocumentNode;
  try {
    document = router.parse(payload.query);
  } catch (error) {
    return refused([error], 'GRAPHQL_PARSE_FAILED');
  }
  let errors: readonly GraphQLError[];
  try {
    errors = router.validate(router.schema, document);
  } catch (error) {
    errors = [error as GraphQLError];
  }
  if (errors.length) return refused(errors, 'GRAPHQL_VALIDATION_FAILED');

  const operation = getOperationAST(document, payload.operationName);
  if (!operation) {
    const message = payload.operationName
      ? `Unknown operation named "${payload.operationName}".`
      : 'The document has several operations: name the one to run.';
    return refused([new GraphQLError(message)], 'BAD_REQUEST');
  }
  const coerced = getVariableValues(
    router.schema,
    operation.variableDefinitions ?? [],
    payload.variables ?? {},
  );
  if (coerced.errors) return refused(coerced.errors, 'BAD_USER_INPUT');
  const unstorable = unstorableTextError(document, payload.variables);
  if (unstorable) return refused([unstorable], 'VALIDATION');
  return { document, operation };
}

/** The client's view of a refusal: typed, with only public extensions (and no HTTP status). */
function forClient(error: unknown, code: string, log: Logger, requestId: string): GraphQLError {
  const typed =
    error instanceof GraphQLError && error.extensions.code === undefined
      ? new GraphQLError(error.message, {
          ...(error.source && error.positions ? { source: error.source, positions: error.positions } : {}),
          extensions: { ...error.extensions, code },
        })
      : error instanceof GraphQLError
        ? error
        : new GraphQLError(String(error), { originalError: error as Error });
  const sanitized = sanitizeError(typed, log, requestId);
  delete sanitized.extensions.http;
  return sanitized;
}
