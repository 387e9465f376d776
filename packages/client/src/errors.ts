import type { GraphQLFormattedError } from 'graphql';

import { closeCodeOf, type CloseInfo } from './close-codes.ts';

/** Codes this client produces itself; GraphQL errors keep the server's `extensions.code`. */
export type ClientErrorCode =
  | 'CONNECTION_CLOSED'
  | 'CONNECTION_LOST'
  | 'SESSION_ENDED'
  | 'CLIENT_DISPOSED'
  | 'NO_RESULT'
  | 'INTERNAL_CLIENT_ERROR';

/**
 * Every failure the client reports: GraphQL errors from the server (code = the first error's
 * `extensions.code`, e.g. FORBIDDEN with reason KICKED) or a connection failure (code above, closeCode set).
 */
export class GoChatClientError extends Error {
  readonly code: string;
  /** `extensions.reason` of the first GraphQL error (KICKED, BANNED, LEFT, ACCESS_LOST), if any. */
  readonly reason: string | undefined;
  readonly graphQLErrors: readonly GraphQLFormattedError[];
  /** WebSocket close code when the connection ended the operation. */
  readonly closeCode: number | undefined;

  constructor(
    code: string,
    message: string,
    details: { reason?: string; graphQLErrors?: readonly GraphQLFormattedError[]; closeCode?: number } = {},
  ) {
    super(message);
    this.name = 'GoChatClientError';
    this.code = code;
    this.reason = details.reason;
    this.graphQLErrors = details.graphQLErrors ?? [];
    this.closeCode = details.closeCode;
  }
}

export function errorCodeOf(error: GraphQLFormattedError | undefined): string | undefined {
  const code = error?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

export function fromGraphQLErrors(errors: readonly GraphQLFormattedError[]): GoChatClientError {
  const first = errors[0];
  const reason = first?.extensions?.reason;
  return new GoChatClientError(errorCodeOf(first) ?? 'GRAPHQL_ERROR', first?.message ?? 'GraphQL error', {
    graphQLErrors: errors,
    ...(typeof reason === 'string' ? { reason } : {}),
  });
}

export function isGraphQLErrorList(value: unknown): value is GraphQLFormattedError[] {
  return Array.isArray(value) && value.every((e) => typeof e === 'object' && e !== null && 'message' in e);
}

/** What graphql-ws hands a sink's error(): GraphQL errors, a close event, or an Error. */
export function toClientError(error: unknown, sessionEnded?: boolean): GoChatClientError {
  if (error instanceof GoChatClientError) return error;
  if (isGraphQLErrorList(error)) return fromGraphQLErrors(error);
  const close: CloseInfo | undefined = closeCodeOf(error);
  if (close) {
    return new GoChatClientError(
      sessionEnded ? 'SESSION_ENDED' : 'CONNECTION_CLOSED',
      `connection closed (${close.code}${close.reason ? `: ${close.reason}` : ''})`,
      { closeCode: close.code },
    );
  }
  return new GoChatClientError(
    'INTERNAL_CLIENT_ERROR',
    error instanceof Error ? error.message : String(error),
  );
}
