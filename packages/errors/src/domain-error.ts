import { GraphQLError } from 'graphql';

import type { ErrorCode } from './codes.ts';

export interface DomainErrorOptions {
  /** Extra, client-safe details (e.g. the field that failed validation, seconds to wait). */
  details?: Record<string, unknown>;
}

/**
 * An expected failure with a stable code. It travels as a GraphQLError so Yoga exposes it unmasked;
 * anything that is not a DomainError (or a graphql protocol error) is masked as INTERNAL_SERVER_ERROR.
 */
export class DomainError extends GraphQLError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: DomainErrorOptions = {}) {
    super(message, { extensions: { code, ...options.details } });
    this.code = code;
    this.name = 'DomainError';
  }
}

export const unauthenticated = (message = 'Sign in to do this.') =>
  new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message = 'You are not allowed to do this.') =>
  new DomainError('FORBIDDEN', message);
export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} was not found.`);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new DomainError('CONFLICT', message, details ? { details } : {});
export const validation = (message: string, field?: string) =>
  new DomainError('VALIDATION', message, field ? { details: { field } } : {});
export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError('RATE_LIMITED', `Too many requests. Retry in ${retryAfterSeconds}s.`, {
    details: { retryAfter: retryAfterSeconds },
  });

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
