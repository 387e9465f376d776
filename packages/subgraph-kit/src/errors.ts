import { DomainError, isPublicCode } from '@gochat/errors';
import type { Logger } from '@gochat/log';
import { GraphQLError } from 'graphql';

/**
 * Expected failures (DomainError, graphql protocol errors) pass through; anything else is an
 * internal error: logged once with the request id, and replaced by a message that leaks nothing.
 */
export function maskError(error: unknown, log: Logger, requestId: string): Error {
  if (error instanceof GraphQLError) {
    const original = error.originalError;
    if (original instanceof DomainError) return error;
    if (!original && isPublicCode(error.extensions.code)) return error;
    // Yoga wraps protocol errors it raises itself (bad variables, parse failures) without an original.
    if (!original && !error.extensions.code) return error;
  }
  log.error({ err: error, requestId }, 'unexpected error');
  return new GraphQLError('Unexpected error.', {
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  });
}
