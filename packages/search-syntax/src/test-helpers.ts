/** Shared by the tests only. */
import { SearchSyntaxError } from './error.ts';
import { parseSearch } from './parse.ts';
import type { SearchOptions } from './types.ts';

/** The error `query` fails with, as the fields tests compare; fails the test if the query parses. */
export function errorOf(query: string, options?: SearchOptions) {
  try {
    parseSearch(query, options);
  } catch (error) {
    if (!(error instanceof SearchSyntaxError)) throw error;
    return { message: error.message, token: error.token, start: error.start, end: error.end };
  }
  throw new Error(`expected a SearchSyntaxError, but ${JSON.stringify(query)} parsed`);
}
