import { APIError, createAuthMiddleware } from 'better-auth/api';
import { jwtVerify } from 'jose';

import type { AccountsStore } from './store.ts';
import { handle as handleRule } from './validation.ts';

/**
 * Where GoChat answers differently from better-auth's defaults (docs/decisions 0006, 0007): a taken
 * e-mail or handle at sign-up is a clear error, and so is a verification link that was already used.
 */
export function createAuthHooks(store: AccountsStore, authSecret: string) {
  const key = new TextEncoder().encode(authSecret);

  const refuseTakenSignUp = async (body: Record<string, unknown>) => {
    const email = typeof body.email === 'string' ? body.email.toLowerCase() : '';
    if (email && (await store.userByEmail(email)))
      throw new APIError('UNPROCESSABLE_ENTITY', {
        code: 'EMAIL_TAKEN',
        message: 'An account with this e-mail already exists.',
      });
    if (body.handle === undefined || body.handle === null) return;
    const parsed = handleRule.safeParse(body.handle);
    if (!parsed.success)
      throw new APIError('BAD_REQUEST', {
        code: 'INVALID_HANDLE',
        message: `handle: ${parsed.error.issues[0]?.message}`,
      });
    if (await store.userByHandle(parsed.data))
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
    if (ctx.path === '/sign-up/email') await refuseTakenSignUp((ctx.body ?? {}) as Record<string, unknown>);
    if (ctx.path === '/verify-email') await refuseUsedLink(ctx.query?.token);
  });
}
