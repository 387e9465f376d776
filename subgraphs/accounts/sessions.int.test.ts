import { session } from '@gochat/drizzle';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { openAccountsHarness } from './test-harness.ts';

const SIGN_OUT = 'mutation { signOut }';

await describeOnBothDatabases('signOut and SessionRevoked', openAccountsHarness, (h) => {
  /** A session row of the user, as better-auth writes it at sign-in. */
  async function newSession(userId: string): Promise<string> {
    const id = `s-${crypto.randomUUID()}`;
    await h.db.insert(session).values({
      id,
      userId,
      token: `t-${crypto.randomUUID()}`,
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    return id;
  }
  const sessionsOf = async (userId: string) =>
    (await h.db.select({ id: session.id }).from(session).where(eq(session.userId, userId))).map((s) => s.id);
  const revocations = async (userId: string) => {
    await h.flush();
    return h.events.events.filter((e) => e.type === 'SessionRevoked' && e.data.userId === userId);
  };
  const as = (userId: string, sessionId?: string) => ({
    kind: 'user' as const,
    userId,
    ...(sessionId ? { sessionId } : {}),
  });

  it('ends only the signed-in session and publishes SessionRevoked on the user subject, once', async () => {
    const user = await h.createUser();
    const [current, other] = [await newSession(user), await newSession(user)];
    expect(await h.ok(as(user, current), SIGN_OUT)).toEqual({ signOut: true });
    expect(await sessionsOf(user)).toEqual([other]);
    const events = await revocations(user);
    expect(events.map((e) => [e.subject, e.data])).toEqual([
      [`user.${user}`, { userId: user, sessionId: current }],
    ]);

    // Already gone: false, and nothing more to announce.
    expect(await h.ok(as(user, current), SIGN_OUT)).toEqual({ signOut: false });
    expect(await revocations(user)).toHaveLength(1);
  });

  it("never ends another user's session, and without a session there is nothing to end", async () => {
    const [owner, intruder] = [await h.createUser(), await h.createUser()];
    const victim = await newSession(owner);
    expect(await h.ok(as(intruder, victim), SIGN_OUT)).toEqual({ signOut: false });
    expect(await h.ok(as(owner), SIGN_OUT)).toEqual({ signOut: false });
    expect(await sessionsOf(owner)).toEqual([victim]);
    expect(await revocations(owner)).toEqual([]);
    expect(await revocations(intruder)).toEqual([]);
    expect(codeOf(await h.as(undefined, SIGN_OUT))).toBe('UNAUTHENTICATED');
  });
});
