import { DomainError, type ErrorCode } from '@gochat/errors';
import { APIError } from 'better-auth/api';

/** better-auth error codes, as GoChat's stable codes. Unknown ones stay internal and get masked. */
const CODES: Record<string, ErrorCode> = {
  EMAIL_TAKEN: 'CONFLICT',
  HANDLE_TAKEN: 'CONFLICT',
  USER_ALREADY_EXISTS: 'CONFLICT',
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: 'CONFLICT',
  VALIDATION: 'VALIDATION',
  INVALID_EMAIL: 'VALIDATION',
  INVALID_PASSWORD: 'VALIDATION',
  PASSWORD_TOO_SHORT: 'VALIDATION',
  PASSWORD_TOO_LONG: 'VALIDATION',
  INVALID_EMAIL_OR_PASSWORD: 'UNAUTHENTICATED',
  EMAIL_NOT_VERIFIED: 'EMAIL_NOT_VERIFIED',
  INVALID_TOKEN: 'INVALID_TOKEN',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  LINK_ALREADY_USED: 'LINK_ALREADY_USED',
  USER_NOT_FOUND: 'INVALID_TOKEN',
  BANNED_USER: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  // Two-factor sign-in (better-auth's plugin, and the reused-code guard in two-factor.ts).
  INVALID_CODE: 'VALIDATION',
  INVALID_BACKUP_CODE: 'VALIDATION',
  CODE_ALREADY_USED: 'VALIDATION',
  TOTP_NOT_ENABLED: 'CONFLICT',
  TWO_FACTOR_NOT_ENABLED: 'CONFLICT',
  BACKUP_CODES_NOT_ENABLED: 'CONFLICT',
  TOTP_ALREADY_ENABLED: 'CONFLICT',
  INVALID_TWO_FACTOR_COOKIE: 'INVALID_TOKEN',
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: 'INVALID_TOKEN',
  ACCOUNT_TEMPORARILY_LOCKED: 'RATE_LIMITED',
};

/** The input field a better-auth code is about, for clients to point at. */
const FIELDS: Record<string, string> = {
  INVALID_PASSWORD: 'password',
  INVALID_CODE: 'code',
  INVALID_BACKUP_CODE: 'code',
  CODE_ALREADY_USED: 'code',
};

/** Clearer words than better-auth's for the codes a person meets. */
const CODE_MESSAGES: Record<string, string> = {
  INVALID_PASSWORD: 'Wrong password.',
  UNAUTHORIZED: 'This session has ended. Sign in again.',
  INVALID_CODE:
    'This code is not valid. Check the time on your device, and that the code is of this account.',
  INVALID_BACKUP_CODE: 'This backup code is not valid, or was already used.',
  TOTP_NOT_ENABLED: 'Two-factor sign-in is not set up: call enableTwoFactor first.',
  TWO_FACTOR_NOT_ENABLED: 'Two-factor sign-in is not on for this account.',
  TOTP_ALREADY_ENABLED: 'Two-factor sign-in is already on.',
  INVALID_TWO_FACTOR_COOKIE: 'This sign-in attempt has expired or was already completed. Sign in again.',
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: 'Too many wrong codes for this sign-in attempt. Sign in again.',
  ACCOUNT_TEMPORARILY_LOCKED: 'Too many wrong codes for this account. Try again later.',
};

/** How long better-auth's two-factor lockout lasts (its default, which better-auth.ts keeps). */
export const TWO_FACTOR_LOCKOUT_SECONDS = 900;

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'Wrong e-mail or password.',
  EMAIL_NOT_VERIFIED: 'Verify your e-mail first: open the link we sent you.',
  INVALID_TOKEN: 'This link or token is not valid.',
  TOKEN_EXPIRED: 'This link has expired. Ask for a new one.',
};

/** Runs a better-auth call and turns its expected failures into DomainErrors. */
export async function callAuth<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof APIError) {
      const authCode = typeof error.body?.code === 'string' ? error.body.code : '';
      const code = CODES[authCode];
      const field = typeof error.body?.field === 'string' ? error.body.field : FIELDS[authCode];
      const retryAfter =
        typeof error.body?.retryAfter === 'number'
          ? error.body.retryAfter
          : authCode === 'ACCOUNT_TEMPORARILY_LOCKED'
            ? TWO_FACTOR_LOCKOUT_SECONDS
            : undefined;
      const details = { ...(field ? { field } : {}), ...(retryAfter ? { retryAfter } : {}) };
      const message =
        CODE_MESSAGES[authCode] ?? (code && MESSAGES[code]) ?? error.body?.message ?? error.message;
      if (code) throw new DomainError(code, message, { details });
    }
    throw error;
  }
}
