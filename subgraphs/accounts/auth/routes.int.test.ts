import { user } from '@gochat/drizzle';
import type { Identity } from '@gochat/identity';
import { describeOnBothDatabases } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { openAccountsHarness } from '../test-harness.ts';

/*
 * better-auth's REST endpoints as the router proxies them: only those GoChat documents and uses are
 * served, and user fields written through them obey the rules of the GraphQL mutations.
 */
await describeOnBothDatabases('/api/auth endpoints', openAccountsHarness, (h) => {
  let clients = 0;
  /** A distinct client address per account, so the per-address auth limits never interfere. */
  const client = (): Identity => ({ kind: 'anonymous', ip: `10.8.${clients >> 8}.${clients++ & 255}` });
  const call = (who: Identity, method: string, path: string, body?: unknown, token?: string) =>
    h.fetch(who, `/api/auth${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const newEmail = () => `routes-${crypto.randomUUID()}@harness.test`;
  const nameOf = async (userId: string) =>
    (await h.db.select({ name: user.name, handle: user.handle }).from(user).where(eq(user.id, userId)))[0];

  /** A verified account signed in over REST: its id and bearer token. */
  async function signedIn(name = 'Alice') {
    const who = client();
    const email = newEmail();
    const password = 'correct horse battery';
    const signUp = await call(who, 'POST', '/sign-up/email', { email, password, name });
    expect(signUp.status).toBe(200);
    const { user: created } = (await signUp.json()) as { user: { id: string } };
    await h.db.update(user).set({ emailVerified: true }).where(eq(user.id, created.id));
    const signIn = await call(who, 'POST', '/sign-in/email', { email, password });
    expect(signIn.status).toBe(200);
    return { who, userId: created.id, token: signIn.headers.get('set-auth-token')! };
  }

  it('answers 404 for the endpoints GoChat does not serve, even with a valid session, and changes nothing', async () => {
    const { who, userId, token } = await signedIn();
    const huge = 'x'.repeat(900_000);
    const closed: Array<[string, string, unknown?]> = [
      ['POST', '/update-user', { name: huge }],
      ['POST', '/update-user', { name: '' }],
      ['POST', '/update-user', { handle: 'Alice' }],
      ['POST', '/change-email', { newEmail: newEmail() }],
      ['POST', '/change-password', { currentPassword: 'correct horse battery', newPassword: 'x'.repeat(20) }],
      ['POST', '/delete-user', {}],
      ['GET', '/get-session'],
      ['GET', '/list-sessions'],
      ['POST', '/revoke-sessions', {}],
      ['POST', '/revoke-other-sessions', {}],
      ['GET', '/ok'],
      ['GET', '/reset-password/some-token'],
      // A served path with another method is not served either.
      ['GET', '/sign-in/email'],
      ['DELETE', '/sign-out'],
    ];
    for (const [method, path, body] of closed) {
      const response = await call(who, method, path, body, token);
      expect([method, path, response.status]).toEqual([method, path, 404]);
      expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(await nameOf(userId)).toEqual({ name: 'Alice', handle: null });
    // The session is still there: /token still mints a JWT for it.
    expect((await call(who, 'GET', '/token', undefined, token)).status).toBe(200);
  });

  it('serves the public keys the router verifies JWTs with', async () => {
    const response = await call(client(), 'GET', '/jwks');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ keys: expect.any(Array) });
  });

  it('validates sign-up fields by the rules of the signUp mutation: VALIDATION naming the field, no account', async () => {
    await signedIn('Taken');
    const who = client();
    const taken = newEmail();
    await h.db.update(user).set({ handle: 'alice_taken' }).where(eq(user.name, 'Taken'));
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x'.repeat(900_000) }, 'name'],
      [{ name: 'x'.repeat(33) }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ handle: 'Bad Handle!' }, 'handle'],
      [{ handle: 'Alice_Taken' }, 'handle'], // upper case: would collide with alice_taken
      [{ handle: 'a..b' }, 'handle'],
      [{ email: `${'x'.repeat(250)}@example.test` }, 'email'],
      [{ image: 'https://example.test/avatar.png' }, 'image'],
    ];
    for (const [fields, field] of cases) {
      const email = (fields.email as string | undefined) ?? taken;
      const response = await call(who, 'POST', '/sign-up/email', {
        email,
        password: 'long enough password',
        name: 'Valid',
        ...fields,
      });
      expect([field, response.status]).toEqual([field, 400]);
      expect(await response.json()).toMatchObject({ code: 'VALIDATION', field });
      expect(await h.db.select().from(user).where(eq(user.email, email.toLowerCase()))).toEqual([]);
    }
  });

  it('stores the name trimmed, and refuses a taken handle with HANDLE_TAKEN', async () => {
    const who = client();
    const handle = `h_${crypto.randomUUID().slice(0, 8)}`;
    const signUp = (name: string) =>
      call(who, 'POST', '/sign-up/email', {
        email: newEmail(),
        password: 'long enough password',
        name,
        handle,
      });
    const first = await signUp('  Bob  ');
    expect(first.status).toBe(200);
    const { user: created } = (await first.json()) as { user: { id: string } };
    expect(await nameOf(created.id)).toEqual({ name: 'Bob', handle });

    const again = await signUp('Bob again');
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({ code: 'HANDLE_TAKEN' });
  });
});
