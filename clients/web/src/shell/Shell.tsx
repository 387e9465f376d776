import {
  useConnectionStatus,
  useGoChat,
  useMeQuery,
  useMyGuildsQuery,
  useSignOutMutation,
} from '@gochat/react';
import { lazy, useEffect } from 'react';
import { Outlet } from 'react-router';

import { DirectList } from '../direct/DirectList.tsx';
import { ErrorText } from '../errors.tsx';
import { Avatar } from '../media/Avatar.tsx';
import { useApplyAppearance } from '../settings/appearance.ts';
import { useSettings } from '../settings/useSettings.ts';
import { UiSounds } from '../sounds/useUiSounds.ts';
import { setVoicePreferences } from '../voice/preferences.ts';
import { CreateGuildButton, JoinGuildButton } from './GuildDialogs.tsx';
import { GuildRail } from './GuildRail.tsx';
import { ModalButton } from './ModalButton.tsx';
import { ViewerContext } from './viewer.ts';

const MentionsInbox = lazy(() =>
  import('../mentions/MentionsInbox.tsx').then((module) => ({ default: module.MentionsInbox })),
);
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
  // The synced settings shape the whole app: theme and density, folders, the call's devices. The
  // viewer feed's SettingsUpdated reads them again when another device changes them.
  const { settings, update } = useSettings();
  useApplyAppearance(settings?.appearance);
  const voice = settings?.voice;
  useEffect(() => {
    setVoicePreferences(voice ?? null);
    return () => setVoicePreferences(null);
  }, [voice]);

  return (
    <ViewerContext.Provider value={me}>
      <UiSounds prefs={settings?.sounds} notifications={settings} />
      <div className="shell">
        <div className="rail">
          <nav aria-label="Guilds">
            <GuildRail
              guilds={data?.myGuilds ?? []}
              folders={settings?.guildFolders}
              order={settings?.guildOrder}
              // The new order shows at once (optimistic) and on the viewer's other devices.
              onReorder={settings ? (guildOrder) => void update({ guildOrder }) : undefined}
              onFoldersChange={settings ? (guildFolders) => void update({ guildFolders }) : undefined}
            />
            <CreateGuildButton />
            <JoinGuildButton />
            <ModalButton label="Mentions">{(close) => <MentionsInbox close={close} />}</ModalButton>
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
