export type SafeFetchErrorCode =
  | 'BLOCKED_ADDRESS'
  | 'BAD_URL'
  | 'BAD_SCHEME'
  | 'BAD_PORT'
  | 'TOO_MANY_REDIRECTS'
  | 'TIMEOUT'
  | 'TOO_LARGE'
  | 'UNSUPPORTED_TYPE'
  | 'HTTP_STATUS'
  | 'NETWORK'
  | 'ABORTED';

/** What a caller may log beside the code and URL; nothing else from the failure is kept. */
export interface SafeFetchErrorDetails {
  /** BLOCKED_ADDRESS: the IP address that was refused, when known. */
  address?: string;
  /** HTTP_STATUS: the final response's status. */
  status?: number;
}

/** The longest URL an error repeats; a refused 10,000-character URL should not flood a log line. */
const MAX_URL_IN_ERROR = 2_100;

/**
 * Every failure of a safe fetch. The message is short and readable, and says nothing the caller did
 * not already know (no socket errors, no stack of the cause): `code` says what went wrong, `url`
 * which hop (a redirect target when a redirect was refused), and `address` / `status` add the one
 * fact worth logging.
 */
export class SafeFetchError extends Error {
  override readonly name = 'SafeFetchError';
  readonly url: string;
  readonly address: string | undefined;
  readonly status: number | undefined;

  constructor(
    readonly code: SafeFetchErrorCode,
    url: string,
    message: string,
    details: SafeFetchErrorDetails = {},
  ) {
    super(message);
    this.url = url.length > MAX_URL_IN_ERROR ? `${url.slice(0, MAX_URL_IN_ERROR)}…` : url;
    this.address = details.address;
    this.status = details.status;
  }
}
