import { useMySessionsQuery, useRevokeOtherSessionsMutation, useRevokeSessionMutation } from '@gochat/react';
import { useId, useState } from 'react';

import { ErrorText } from '../errors.tsx';

const when = (iso: string) => new Date(iso).toLocaleString();

/**
 * Where the viewer is signed in (mySessions): device, address, last seen, "This device" for the
 * current one. Revoking ends a session on the server and closes its sockets, which signs that
 * browser out at once.
 */
export function SessionsTab() {
  const headingId = useId();
  const sessions = useMySessionsQuery({ fetchPolicy: 'cache-and-network' });
  const [revoke, revokeState] = useRevokeSessionMutation({ refetchQueries: ['MySessions'] });
  const [revokeOthers, othersState] = useRevokeOtherSessionsMutation({ refetchQueries: ['MySessions'] });
  const [ended, setEnded] = useState<number | null>(null);
  const list = sessions.data?.mySessions ?? [];
  const others = list.filter((s) => !s.current);
  const busy = revokeState.loading || othersState.loading;

  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Sessions</h3>
      <p className="hint">Everywhere you are signed in. Revoking a session signs that device out at once.</p>
      {sessions.loading && !sessions.data && <p className="loading">Loading…</p>}
      <ul className="session-list" aria-label="Your sessions">
        {list.map((session) => {
          const device = session.device ?? session.userAgent ?? 'Unknown device';
          return (
            <li key={session.id} className={session.current ? 'current' : undefined} aria-label={device}>
              <div className="session-device">
                <strong>{device}</strong>
                {session.current && <span className="badge">This device</span>}
              </div>
              <div className="session-detail">
                {session.ipAddress && <span>IP {session.ipAddress}</span>}
                <span>
                  Last seen <time dateTime={session.lastSeenAt}>{when(session.lastSeenAt)}</time>
                </span>
                <span>
                  Signed in <time dateTime={session.createdAt}>{when(session.createdAt)}</time>
                </span>
              </div>
              {!session.current && (
                <button
                  type="button"
                  className="danger"
                  aria-label={`Revoke the session on ${device}, last seen ${when(session.lastSeenAt)}`}
                  disabled={busy}
                  onClick={() => void revoke({ variables: { id: session.id } }).catch(() => {})}
                >
                  Revoke
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {others.length > 0 && (
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() =>
            void revokeOthers()
              .then(({ data }) => setEnded(data?.revokeOtherSessions ?? 0))
              .catch(() => {})
          }
        >
          Sign out all other sessions
        </button>
      )}
      {ended !== null && (
        <p role="status">
          Signed out {ended} other {ended === 1 ? 'session' : 'sessions'}.
        </p>
      )}
      <ErrorText error={sessions.error ?? revokeState.error ?? othersState.error} />
    </section>
  );
}
