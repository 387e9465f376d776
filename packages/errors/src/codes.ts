/**
 * Stable error codes carried in `extensions.code`. Clients switch on these, so never rename one.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'VALIDATION',
  'CONFLICT',
  'LIMIT_REACHED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'RESPONSE_TOO_LARGE',
  'EMAIL_NOT_VERIFIED',
  'INVALID_TOKEN',
  'TOKEN_EXPIRED',
  'LINK_ALREADY_USED',
  'SUBSCRIPTION_UNSUPPORTED',
  'SLOW_CONSUMER',
  'RESYNC_REQUIRED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes produced by graphql-js / Yoga themselves for malformed operations; safe to show. */
export const GRAPHQL_PROTOCOL_CODES = [
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
] as const;

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VALIDATION: 400,
  CONFLICT: 409,
  LIMIT_REACHED: 409,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  EMAIL_NOT_VERIFIED: 403,
  INVALID_TOKEN: 400,
  TOKEN_EXPIRED: 400,
  LINK_ALREADY_USED: 400,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

export function httpStatusFor(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 400;
}

const PUBLIC_CODES = new Set<string>([...ERROR_CODES, ...GRAPHQL_PROTOCOL_CODES]);

export function isPublicCode(code: unknown): code is string {
  return typeof code === 'string' && PUBLIC_CODES.has(code);
}
