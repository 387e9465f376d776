/**
 * A query the user typed is wrong. The message is short and user-facing (the subgraph returns it as
 * a VALIDATION error); `token`, `start` and `end` locate the offending text so a client can
 * underline it. Offsets are [start, end) in UTF-16 code units.
 */
export class SearchSyntaxError extends Error {
  override readonly name = 'SearchSyntaxError';

  constructor(
    message: string,
    readonly token: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

/** An error about `token` at `start`; the message says where, as in `unknown filter 'foo:' at 12`. */
export function syntaxError(reason: string, token: string, start: number, end = start + token.length) {
  return new SearchSyntaxError(`${reason} at ${start}`, token, start, end);
}
