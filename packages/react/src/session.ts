import { print } from 'graphql';

import { RefreshJwtDocument, type RefreshJwtMutation } from './generated/graphql.ts';

/**
 * The signed-in session of one browser: the long-lived session token (kept in storage, so a reload
 * stays signed in) and a short-lived JWT refreshed before it expires. Everything that needs the
 * caller's identity asks `freshJwt()`; when the server says the session ended, the session clears
 * itself and listeners (the UI) go back to signing in.
 */
export interface StoredSession {
  sessionToken: string;
  jwt: string;
  /** ISO-8601. */
  jwtExpiresAt: string;
}

/** Where the session survives reloads: localStorage in browsers, memory in tests. */
export interface SessionStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type SessionEndReason = 'signed-out' | 'revoked' | 'expired' | 'connection-limit' | 'refused';

const KEY = 'gochat.session';
/** Refresh this long before the JWT expires, so a request never carries one about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * The package's own RefreshJwt operation, sent with plain fetch: it runs inside the Apollo link that
 * adds the JWT, so going through Apollo would wait on itself.
 */
const REFRESH = print(RefreshJwtDocument);

export class Session {
  private current: StoredSession | null;
  private refreshing: Promise<string> | null = null;
  private readonly listeners = new Set<() => void>();
  private endReason: SessionEndReason | null = null;

  constructor(
    private readonly httpUrl: string,
    private readonly storage: SessionStorage,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {
    this.current = readStored(storage);
  }

  get signedIn(): boolean {
    return this.current !== null;
  }

  /** Why the last session ended, until the next sign-in. */
  get lastEndReason(): SessionEndReason | null {
    return this.endReason;
  }

  /** The session's long-lived token, or null when signed out (to tell one session from the next). */
  get sessionToken(): string | null {
    return this.current?.sessionToken ?? null;
  }

  /** The current JWT as stored, fresh or not (to read its subject). */
  peekJwt(): string | null {
    return this.current?.jwt ?? null;
  }

  /** Starts a session from signIn's answer. */
  start(session: StoredSession): void {
    this.current = session;
    this.endReason = null;
    this.storage.setItem(KEY, JSON.stringify(session));
    this.emit();
  }

  end(reason: SessionEndReason): void {
    if (!this.current) return;
    this.current = null;
    this.endReason = reason;
    this.storage.removeItem(KEY);
    this.emit();
  }

  /** The JWT of the session, refreshed when it expires within a minute; rejects when signed out. */
  async freshJwt(): Promise<string> {
    const session = this.current;
    if (!session) throw new Error('Not signed in');
    if (Date.parse(session.jwtExpiresAt) - Date.now() > REFRESH_MARGIN_MS) return session.jwt;
    this.refreshing ??= this.refresh(session).finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** For useSyncExternalStore: called on sign-in and sign-out. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private async refresh(session: StoredSession): Promise<string> {
    const response = await this.fetchImpl(this.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: REFRESH, variables: { sessionToken: session.sessionToken } }),
    });
    const body = (await response.json()) as {
      data?: RefreshJwtMutation | null;
      errors?: { extensions?: { code?: string } }[];
    };
    const token = body.data?.refreshJwt;
    if (!token) {
      if (body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) this.end('expired');
      throw new Error('Could not refresh the session');
    }
    if (this.current === session) this.start({ ...session, jwt: token.jwt, jwtExpiresAt: token.expiresAt });
    return token.jwt;
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

function readStored(storage: SessionStorage): StoredSession | null {
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<StoredSession>;
    return typeof value.sessionToken === 'string' &&
      typeof value.jwt === 'string' &&
      typeof value.jwtExpiresAt === 'string'
      ? (value as StoredSession)
      : null;
  } catch {
    return null;
  }
}

/** A storage that forgets on reload: for tests and for browsers that refuse localStorage. */
export function memoryStorage(): SessionStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}
