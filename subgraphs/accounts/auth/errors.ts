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
};

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
      const code = typeof error.body?.code === 'string' ? CODES[error.body.code] : undefined;
      const field = typeof error.body?.field === 'string' ? { details: { field: error.body.field } } : {};
      if (code) throw new DomainError(code, MESSAGES[code] ?? error.body?.message ?? error.message, field);
    }
    throw error;
  }
}
