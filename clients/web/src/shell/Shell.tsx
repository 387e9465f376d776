import {
  useConnectionStatus,
  useGoChat,
  useMeQuery,
  useMyGuildsQuery,
  useSignOutMutation,
} from '@gochat/react';
import { lazy } from 'react';
import { NavLink, Outlet } from 'react-router';

import { DirectList } from '../direct/DirectList.tsx';
import { ErrorText } from '../errors.tsx';
import { Avatar } from '../media/Avatar.tsx';
import { CreateGuildButton, JoinGuildButton } from './GuildDialogs.tsx';
import { ModalButton } from './ModalButton.tsx';
import { ViewerContext } from './viewer.ts';

const UserSettings = lazy(() =>
  import('../settings/UserSettings.tsx').then((module) => ({ default: module.UserSettings })),
);

/** The signed-in frame: the guild rail, the connection banner, and the page of the route. */
export function Shell() {
  const gochat = useGoChat();
  const { data, error } = useMyGuildsQuery();
  const me = useMeQuery().data?.me ?? null;
  const [signOut] = useSignOutMutation();
  const status = useConnectionStatus();

  return (
    <ViewerContext.Provider value={me}>
      <div className="shell">
        <div className="rail">
          <nav aria-label="Guilds">
            <ul>
              {data?.myGuilds.map((guild) => (
                <li key={guild.id}>
                  <NavLink to={`/guilds/${guild.id}`} className="guild-link">
                    {/* The link is named by the icon's alt text, or by the name beside the initials. */}
                    {guild.iconUrl ? (
                      <>
                        <img
                          className="guild-icon"
                          src={guild.iconUrl}
                          alt={guild.name}
                          width={28}
                          height={28}
                        />
                        <span aria-hidden="true">{guild.name}</span>
                      </>
                    ) : (
                      <>
                        <Avatar name={guild.name} url={null} size={28} className="guild-icon" />
                        {guild.name}
                      </>
                    )}
                  </NavLink>
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
          {me && (
            <div className="me">
              <Avatar name={me.displayName} url={me.avatarUrl} alt="Your avatar" size={32} />
              <span className="name">{me.displayName}</span>
              <ModalButton label="User settings">{(close) => <UserSettings close={close} />}</ModalButton>
            </div>
          )}
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
    </ViewerContext.Provider>
  );
}
