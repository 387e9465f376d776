import { useGuildQuery, useSetGuildAvatarMutation } from '@gochat/react';

import { ImageUploadSection } from '../media/ImageUploadSection.tsx';
import { useViewer } from '../shell/viewer.ts';

/**
 * "My server profile", for every member: their avatar in this guild (an AVATAR upload, then
 * setGuildAvatar); without one, the guild shows their own. The answer updates the one cached Member
 * entry, so their messages and the member list follow. Loaded on first open (React.lazy).
 */
export function GuildProfile({ guildId, close }: { guildId: string; close: () => void }) {
  const me = useGuildQuery({ variables: { id: guildId } }).data?.guild?.me;
  if (!me) return <p className="loading">Loading…</p>;
  return (
    <div className="settings-body">
      <h2>My server profile</h2>
      <AvatarSection guildId={guildId} avatarUrl={me.avatarUrl ?? null} />
      <p className="dialog-actions">
        <button type="button" onClick={close}>
          Close
        </button>
      </p>
    </div>
  );
}

function AvatarSection({ guildId, avatarUrl }: { guildId: string; avatarUrl: string | null }) {
  const viewer = useViewer();
  const [setGuildAvatar, setState] = useSetGuildAvatarMutation();
  return (
    <ImageUploadSection
      heading="Server avatar"
      // Without a guild avatar, the one the guild shows: their own.
      preview={{
        name: viewer?.displayName ?? '',
        url: avatarUrl ?? viewer?.avatarUrl,
        alt: 'Your avatar in this guild',
      }}
      uploadLabel="Upload server avatar"
      upload={{ kind: 'AVATAR' }}
      set={(uploadId) => setGuildAvatar({ variables: { guildId, uploadId } })}
      setState={setState}
      removeLabel="Use my own avatar"
      removable={Boolean(avatarUrl)}
    />
  );
}
