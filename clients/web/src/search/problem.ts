import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { SearchSyntaxError } from '@gochat/search-syntax';

import { describeError } from '../errors.tsx';

/** Why a search failed, and where in the query when the query is at fault. */
export interface SearchProblem {
  message: string;
  /** The query that failed, and the [start, end) offsets of the bad token in it, when known. */
  query: string;
  start: number | null;
  end: number | null;
}

const isOffset = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/**
 * A syntax error found before sending, or the API's error. A malformed query is VALIDATION on the
 * field `query`, with the token's offsets in its extensions (flat, or under `details`).
 */
export function searchProblem(query: string, error: unknown): SearchProblem {
  if (error instanceof SearchSyntaxError)
    return { message: error.message, query, ...offsets(query, error.start, error.end) };
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const extensions = (first?.extensions ?? {}) as Record<string, unknown>;
    const details =
      typeof extensions.details === 'object' && extensions.details !== null
        ? (extensions.details as Record<string, unknown>)
        : extensions;
    if (extensions.code === 'VALIDATION' && details.field === 'query')
      return {
        message: first?.message ?? 'Invalid search.',
        query,
        ...offsets(query, details.start, details.end),
      };
  }
  return { message: describeError(error), query, start: null, end: null };
}

function offsets(query: string, start: unknown, end: unknown) {
  if (isOffset(start) && isOffset(end) && 0 <= start && start <= end && end <= query.length)
    return { start, end };
  return { start: null, end: null };
}
