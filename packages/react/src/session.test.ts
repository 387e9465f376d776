import { describe, expect, it } from 'vitest';

import { memoryStorage, Session, type StoredSession } from './session.ts';

const URL = 'http://router.test/graphql';
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** What the router answers to refreshJwt, and the requests it got. */
function router(answer: () => object) {
  const requests: { query: string; variables: Record<string, unknown> }[] = [];
  const fetchImpl = ((_url: string, init: RequestInit) => {
    requests.push(JSON.parse(init.body as string) as (typeof requests)[number]);
    return Promise.resolve(Response.json(answer()));
  }) as typeof fetch;
  return { requests, fetchImpl };
}

const stored = (jwtExpiresAt: string): StoredSession => ({
  sessionToken: 'session-1',
  jwt: 'jwt-1',
  jwtExpiresAt,
});

describe('Session', () => {
  it('names its session token (kept across JWT refreshes) until it ends', async () => {
    const { fetchImpl } = router(() => ({
      data: { refreshJwt: { jwt: 'jwt-2', expiresAt: inMinutes(15) } },
    }));
    const session = new Session(URL, memoryStorage(), fetchImpl);
    expect(session.sessionToken).toBeNull();
    session.start(stored(inMinutes(0.5)));
    await session.freshJwt();
    expect(session.sessionToken).toBe('session-1');
    session.start({ ...stored(inMinutes(10)), sessionToken: 'session-2' });
    expect(session.sessionToken).toBe('session-2');
    session.end('revoked');
    expect(session.sessionToken).toBeNull();
  });

  it('uses a JWT that is good for more than a minute as it is', async () => {
    const { requests, fetchImpl } = router(() => ({}));
    const session = new Session(URL, memoryStorage(), fetchImpl);
    session.start(stored(inMinutes(10)));
    expect(await session.freshJwt()).toBe('jwt-1');
    expect(requests).toEqual([]);
  });

  it('refreshes a JWT about to expire once for concurrent callers, and keeps the new one', async () => {
    const storage = memoryStorage();
    const { requests, fetchImpl } = router(() => ({
      data: { refreshJwt: { jwt: 'jwt-2', expiresAt: inMinutes(15) } },
    }));
    const session = new Session(URL, storage, fetchImpl);
    session.start(stored(inMinutes(0.5)));
    expect(await Promise.all([session.freshJwt(), session.freshJwt()])).toEqual(['jwt-2', 'jwt-2']);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.query).toContain('refreshJwt(sessionToken: $sessionToken)');
    expect(requests[0]!.variables).toEqual({ sessionToken: 'session-1' });
    // A reload reads the refreshed session from storage.
    const reloaded = new Session(URL, storage, fetchImpl);
    expect(reloaded.signedIn).toBe(true);
    expect(await reloaded.freshJwt()).toBe('jwt-2');
    expect(requests).toHaveLength(1);
  });

  it('ends the session when the server says it ended, and tells the listeners why', async () => {
    const storage = memoryStorage();
    const { fetchImpl } = router(() => ({
      data: null,
      errors: [{ message: 'Session ended', extensions: { code: 'UNAUTHENTICATED' } }],
    }));
    const session = new Session(URL, storage, fetchImpl);
    session.start(stored(inMinutes(-1)));
    let changes = 0;
    session.subscribe(() => changes++);
    await expect(session.freshJwt()).rejects.toThrow('Could not refresh the session');
    expect(session.signedIn).toBe(false);
    expect(session.lastEndReason).toBe('expired');
    expect(changes).toBe(1);
    expect(new Session(URL, storage, fetchImpl).signedIn).toBe(false);
  });

  it('starts signed out from missing or damaged storage', () => {
    const storage = memoryStorage();
    storage.setItem('gochat.session', '{"sessionToken": 1');
    expect(new Session(URL, storage).signedIn).toBe(false);
    storage.setItem('gochat.session', JSON.stringify({ sessionToken: 'x' }));
    expect(new Session(URL, storage).signedIn).toBe(false);
  });
});
