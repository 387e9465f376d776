import { useGuildQuery, useSetGuildAvatarMutation } from '@gochat/react';
import { useId } from 'react';

import { ErrorText } from '../errors.tsx';
import { Avatar } from '../media/Avatar.tsx';
import { UploadProgress } from '../media/UploadProgress.tsx';
import { useSingleUpload } from '../media/useSingleUpload.ts';
import { useViewer } from '../shell/viewer.ts';

const IMAGE_TYPES = 'image/png,image/jpeg,image/gif,image/webp,image/avif';

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
  const headingId = useId();
  const viewer = useViewer();
  const upload = useSingleUpload();
  const [setGuildAvatar, setState] = useSetGuildAvatarMutation();
  const busy = upload.busy || setState.loading;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Server avatar</h3>
      <div className="avatar-row">
        <Avatar
          name={viewer?.displayName ?? ''}
          url={avatarUrl ?? viewer?.avatarUrl}
          alt="Your avatar in this guild"
          size={96}
        />
        <div>
          <label>
            Upload server avatar
            <input
              type="file"
              accept={IMAGE_TYPES}
              disabled={busy}
              onChange={(event) => {
                const input = event.currentTarget;
                const file = input.files?.[0];
                if (!file) return;
                void upload
                  .run(file, { kind: 'AVATAR' }, (ready) =>
                    setGuildAvatar({ variables: { guildId, uploadId: ready.id } }),
                  )
                  .finally(() => (input.value = ''));
              }}
            />
          </label>
          <UploadProgress state={upload.state} />
          {avatarUrl && (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => void setGuildAvatar({ variables: { guildId, uploadId: null } }).catch(() => {})}
            >
              Use my own avatar
            </button>
          )}
        </div>
      </div>
      <ErrorText error={upload.error ?? setState.error} />
    </section>
  );
}
