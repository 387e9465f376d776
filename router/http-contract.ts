import { httpStatusFor, isPublicCode, type ErrorCode } from '@gochat/errors';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Yoga checks `query`, `variables` and `extensions`, not `operationName`: a number or an object there
 * failed deep inside Yoga as an unexpected error. A malformed request is BAD_REQUEST, 400.
 */
export function operationNameChecked(): Plugin {
  return {
    onParams({ params }) {
      const name: unknown = (params as { operationName?: unknown }).operationName;
      if (name === null || name === undefined || typeof name === 'string') return;
      const type = Array.isArray(name) ? 'array' : typeof name;
      throw new GraphQLError(`Expected "operationName" param to be a string or null, but given ${type}.`, {
        extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
      });
    },
  };
}

interface HttpExtension {
  status?: number;
  /** Yoga: the status applies to application/graphql-response+json only; application/json gets 200. */
  spec?: boolean;
  headers?: Record<string, string>;
}

const PROTOCOL_STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  BAD_USER_INPUT: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
};

/**
 * The HTTP status of an error in a result without `data` (the request failed before execution), per
 * GraphQL over HTTP: application/graphql-response+json clients get a 4xx (or 5xx), application/json
 * clients keep 200, which the specification prefers for a well-formed request. A request that is not
 * well-formed (BAD_REQUEST: no JSON, a wrong parameter type) is 400 whatever the client accepts.
 */
export function withRequestErrorStatus(error: GraphQLError): GraphQLError {
  const code = error.extensions.code;
  const http = error.extensions.http;
  if (code === 'BAD_REQUEST') {
    if (http?.spec) error.extensions.http = { ...http, spec: false };
    return error;
  }
  if (http?.status) return error;
  const status =
    typeof code === 'string' && code in PROTOCOL_STATUS
      ? PROTOCOL_STATUS[code]!
      : isPublicCode(code)
        ? httpStatusFor(code as ErrorCode)
        : 500;
  error.extensions.http = { ...http, status, spec: true } satisfies HttpExtension;
  return error;
}
