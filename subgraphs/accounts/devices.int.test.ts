import { session } from '@gochat/drizzle';
import { subjects } from '@gochat/events';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { openAccountsHarness } from './test-harness.ts';

const MY_SESSIONS = 'query { mySessions { id device userAgent ipAddress createdAt lastSeenAt current } }';
const REVOKE = 'mutation($id: ID!) { revokeSession(id: $id) }';
const REVOKE_OTHERS = 'mutation { revokeOtherSessions }';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

interface SessionView {
  id: string;
  device: string | null;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

await describeOnBothDatabases("the caller's sessions (devices)", openAccountsHarness, (h) => {
  /** A session row of the user, as better-auth writes it at sign-in; seen `ageMs` ago. */
  async function newSession(
    userId: string,
    {
      expiresInMs = 3_600_000,
      ageMs = 0,
      userAgent = null as string | null,
      ip = null as string | null,
    } = {},
  ): Promise<string> {
    const id = `s-${crypto.randomUUID()}`;
    const at = new Date(Date.now() - ageMs);
    await h.db.insert(session).values({
      id,
      userId,
      token: `t-${crypto.randomUUID()}`,
      expiresAt: new Date(Date.now() + expiresInMs),
      createdAt: at,
      updatedAt: at,
      userAgent,
      ipAddress: ip,
    });
    return id;
  }
  const as = (userId: string, sessionId?: string) => ({
    kind: 'user' as const,
    userId,
    ...(sessionId ? { sessionId } : {}),
  });
  const sessionsOf = async (userId: string) =>
    (await h.db.select({ id: session.id }).from(session).where(eq(session.userId, userId)))
      .map((s) => s.id)
      .sort();
  const revoked = async (userId: string) => {
    await h.flush();
    return h.events.events
      .filter((e) => e.type === 'SessionRevoked' && e.data.userId === userId)
      .map((e) => [e.subject, e.data.sessionId])
      .sort();
  };
  const mySessions = async (userId: string, sessionId?: string) =>
    (await h.ok<{ mySessions: SessionView[] }>(as(userId, sessionId), MY_SESSIONS)).mySessions;

  it('lists only the caller’s live sessions, most recently used first, marking the current one', async () => {
    const [owner, other] = [await h.createUser(), await h.createUser()];
    const current = await newSession(owner, { userAgent: FIREFOX, ip: '203.0.113.7' });
    const older = await newSession(owner, { ageMs: 60_000 });
    await newSession(owner, { expiresInMs: -1_000 }); // expired: not a device any more
    await newSession(other);

    const listed = await mySessions(owner, current);
    expect(listed.map((s) => [s.id, s.current])).toEqual([
      [current, true],
      [older, false],
    ]);
    expect(listed[0]).toMatchObject({
      device: 'Firefox on Linux',
      userAgent: FIREFOX,
      ipAddress: '203.0.113.7',
    });
    expect(listed[1]).toMatchObject({ device: null, userAgent: null, ipAddress: null });
    expect(Date.parse(listed[1]!.lastSeenAt)).toBeLessThan(Date.parse(listed[0]!.lastSeenAt));

    // A JWT without a session: nothing is current.
    expect((await mySessions(owner)).every((s) => !s.current)).toBe(true);
    expect(codeOf(await h.as(undefined, MY_SESSIONS))).toBe('UNAUTHENTICATED');
  });

  it('revokeSession ends one of the caller’s sessions and publishes SessionRevoked for it, once', async () => {
    const owner = await h.createUser();
    const [current, phone] = [await newSession(owner), await newSession(owner)];
    expect(await h.ok(as(owner, current), REVOKE, { id: phone })).toEqual({ revokeSession: true });
    expect(await sessionsOf(owner)).toEqual([current]);
    expect(await revoked(owner)).toEqual([[subjects.user(owner), phone]]);
    expect((await mySessions(owner, current)).map((s) => s.id)).toEqual([current]);

    // Already ended: NOT_FOUND, and nothing more is announced.
    expect(codeOf(await h.as(as(owner, current), REVOKE, { id: phone }))).toBe('NOT_FOUND');
    expect(await revoked(owner)).toHaveLength(1);
  });

  it("never revokes another user's session: NOT_FOUND, the session stays, no event", async () => {
    const [owner, intruder] = [await h.createUser(), await h.createUser()];
    const victim = await newSession(owner);
    const own = await newSession(intruder);
    expect(codeOf(await h.as(as(intruder, own), REVOKE, { id: victim }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(as(intruder, own), REVOKE, { id: 'no-such-session' }))).toBe('NOT_FOUND');
    expect(await sessionsOf(owner)).toEqual([victim]);
    expect(await sessionsOf(intruder)).toEqual([own]);
    expect(await revoked(owner)).toEqual([]);
    expect(await revoked(intruder)).toEqual([]);
    expect(codeOf(await h.as(undefined, REVOKE, { id: victim }))).toBe('UNAUTHENTICATED');
  });

  it('revokeOtherSessions keeps the current session, ends the rest with one SessionRevoked each', async () => {
    const [owner, bystander] = [await h.createUser(), await h.createUser()];
    const current = await newSession(owner);
    const others = [await newSession(owner), await newSession(owner), await newSession(owner)];
    const untouched = await newSession(bystander);

    expect(await h.ok(as(owner, current), REVOKE_OTHERS)).toEqual({ revokeOtherSessions: 3 });
    expect(await sessionsOf(owner)).toEqual([current]);
    expect(await revoked(owner)).toEqual(others.map((id) => [subjects.user(owner), id]).sort());
    expect(await sessionsOf(bystander)).toEqual([untouched]);
    expect(await revoked(bystander)).toEqual([]);

    // Nothing left to end.
    expect(await h.ok(as(owner, current), REVOKE_OTHERS)).toEqual({ revokeOtherSessions: 0 });
    expect(codeOf(await h.as(undefined, REVOKE_OTHERS))).toBe('UNAUTHENTICATED');
  });
});
