import { DomainError, parseInput } from '@gochat/errors';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import { jwtVerify } from 'jose';

import type { AccountsStore } from '../store/index.ts';
import { authUserFields } from '../validation.ts';

/**
 * The user fields of a better-auth write, checked by GoChat's rules (validation.ts) and normalized
 * (a trimmed name); only the fields present are returned. VALIDATION naming the field otherwise.
 */
export function checkUserFields(fields: Record<string, unknown>): Record<string, unknown> {
  try {
    return parseInput(authUserFields, fields);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw new APIError('BAD_REQUEST', { code: 'VALIDATION', message: error.message, ...error.extensions });
  }
}

// A promise either way: better-auth awaits the hook, and a refusal must reject it, not throw.
const checked = (fields: Record<string, unknown>) =>
  Promise.resolve(fields).then((f) => ({ data: { ...f, ...checkUserFields(f) } }));

/**
 * better-auth's database hooks for users: every write of user fields, whatever the endpoint or
 * server-side call, passes checkUserFields.
 */
export const userFieldHooks = { create: { before: checked }, update: { before: checked } };

/** The answers of better-auth's mail endpoints that must not reveal whether an address has an account. */
const QUIET_MAIL_ANSWERS: Record<string, Record<string, unknown>> = {
  '/send-verification-email': { status: true },
  '/request-password-reset': {
    status: true,
    message: 'If this email exists in our system, check your email for the reset link',
  },
};

/**
 * Where GoChat answers differently from better-auth's defaults (docs/decisions 0006, 0007): a sign-up
 * with fields that break GoChat's rules is refused before anything is looked up, a taken e-mail or
 * handle at sign-up is a clear error, and so is a verification link that was already used.
 *
 * Mails are limited per inbox (`mailTo`, whatever the client's IP): a sign-up over the budget is
 * RATE_LIMITED (sign-up tells a taken address anyway); a verification or reset request over it gets
 * the answer it would get otherwise, with no mail, so the limit reveals nothing about the address.
 */
export function createAuthHooks(
  store: AccountsStore,
  authSecret: string,
  mailTo: (address: string) => Promise<number>,
) {
  const key = new TextEncoder().encode(authSecret);

  const inboxWait = async (address: unknown) =>
    typeof address === 'string' && address.includes('@') ? mailTo(address) : 0;

  const refuseTakenSignUp = async (body: Record<string, unknown>) => {
    const { email, handle } = checkUserFields({ name: body.name, email: body.email, handle: body.handle });
    if (typeof email === 'string' && (await store.userByEmail(email.toLowerCase())))
      throw new APIError('UNPROCESSABLE_ENTITY', {
        code: 'EMAIL_TAKEN',
        message: 'An account with this e-mail already exists.',
      });
    if (typeof handle === 'string' && (await store.userByHandle(handle)))
      throw new APIError('UNPROCESSABLE_ENTITY', { code: 'HANDLE_TAKEN', message: 'This handle is taken.' });
  };

  const refuseUsedLink = async (token: unknown) => {
    if (typeof token !== 'string' || !token) return;
    let email: string | undefined;
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
      if (payload.updateTo) return; // e-mail change links have their own flow
      email = typeof payload.email === 'string' ? payload.email : undefined;
    } catch {
      return; // invalid or expired: better-auth reports those itself
    }
    if (email && (await store.userByEmail(email))?.emailVerified)
      throw new APIError('BAD_REQUEST', {
        code: 'LINK_ALREADY_USED',
        message: 'This verification link was already used; the account is active.',
      });
  };

  return createAuthMiddleware(async (ctx) => {
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    if (ctx.path === '/sign-up/email') {
      await refuseTakenSignUp(body);
      const wait = await inboxWait(body.email);
      if (wait > 0)
        throw new APIError(
          'TOO_MANY_REQUESTS',
          {
            code: 'RATE_LIMITED',
            message: `Too many e-mails to this address. Retry in ${wait}s.`,
            retryAfter: wait,
          },
          { 'retry-after': String(wait) },
        );
    }
    if (ctx.path === '/verify-email') await refuseUsedLink(ctx.query?.token);
    // Answering here ends the request: better-auth neither looks the address up nor mails it.
    const quiet = QUIET_MAIL_ANSWERS[ctx.path];
    return quiet && (await inboxWait(body.email)) > 0 ? quiet : undefined;
  });
}
