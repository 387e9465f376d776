import { useConnectionStatus, useGoChat, useMyGuildsQuery, useSignOutMutation } from '@gochat/react';
import { NavLink, Outlet } from 'react-router';

import { DirectList } from '../direct/DirectList.tsx';
import { ErrorText } from '../errors.tsx';
import { CreateGuildButton, JoinGuildButton } from './GuildDialogs.tsx';

/** The signed-in frame: the guild rail, the connection banner, and the page of the route. */
export function Shell() {
  const gochat = useGoChat();
  const { data, error } = useMyGuildsQuery();
  const [signOut] = useSignOutMutation();
  const status = useConnectionStatus();

  return (
    <div className="shell">
      <div className="rail">
        <nav aria-label="Guilds">
          <ul>
            {data?.myGuilds.map((guild) => (
              <li key={guild.id}>
                <NavLink to={`/guilds/${guild.id}`}>{guild.name}</NavLink>
              </li>
            ))}
          </ul>
          <CreateGuildButton />
          <JoinGuildButton />
          <button
            type="button"
            onClick={() => {
              // End the session on the server; sign out locally whatever it answers.
              void signOut()
                .catch(() => {})
                .finally(() => gochat.signOut());
            }}
          >
            Sign out
          </button>
        </nav>
        <DirectList />
      </div>
      <div className="page">
        {status === 'reconnecting' && (
          <div role="status" className="banner">
            Reconnecting…
          </div>
        )}
        <ErrorText error={error} />
        <Outlet />
      </div>
    </div>
  );
}
