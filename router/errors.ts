import { isPublicCode } from '@gochat/errors';
import type { Logger } from '@gochat/log';
import { GraphQLError } from 'graphql';

/**
 * Extension keys a client may see; everything else (serviceName, stack traces, queries) stays in.
 * token, start and end locate the bad part of a search query the client sent.
 */
const PUBLIC_EXTENSIONS = [
  'code',
  'field',
  'token',
  'start',
  'end',
  'retryAfter',
  'requestId',
  'http',
  // updateSettings' CONFLICT: the settings as they are now, so the client merges and retries.
  'currentVersion',
  'currentSettings',
] as const;

/**
 * The router's last word on errors: typed ones keep their code and message with only public
 * extensions; anything else is logged once and replaced by INTERNAL_SERVER_ERROR with a request id.
 */
export function sanitizeError(error: GraphQLError, log: Logger, requestId: string): GraphQLError {
  let code = error.extensions.code;
  // Yoga's name for an operationName that names no operation of the document: a malformed request.
  if (code === 'OPERATION_RESOLUTION_FAILURE') code = 'BAD_REQUEST';
  // graphql-js and the query limits raise GraphQLErrors without a code (bad variables, depth):
  // they describe the client's operation, so they are shown, as BAD_USER_INPUT.
  if (code === undefined && (!error.originalError || error.originalError instanceof GraphQLError))
    code = 'BAD_USER_INPUT';
  const expected = isPublicCode(code);
  if (!expected) {
    log.error({ err: error.originalError ?? error, code, requestId }, 'unexpected error');
    return new GraphQLError('Unexpected error.', {
      ...(error.path ? { path: error.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    });
  }
  const extensions: Record<string, unknown> = { code };
  for (const key of PUBLIC_EXTENSIONS)
    if (key !== 'code' && error.extensions[key] !== undefined) extensions[key] = error.extensions[key];
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source && error.positions ? { source: error.source, positions: error.positions } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions,
  });
}
