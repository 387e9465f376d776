import { useAvatarHistoryQuery, useMeQuery, useSetAvatarMutation } from '@gochat/react';
import { useId } from 'react';

import { ErrorText } from '../errors.tsx';
import { Avatar } from '../media/Avatar.tsx';
import { UploadProgress } from '../media/UploadProgress.tsx';
import { useSingleUpload } from '../media/useSingleUpload.ts';
import { StatusSection } from './StatusSection.tsx';

/** Avatar types the media service reads (animated GIF, WebP and APNG stay animated). */
const IMAGE_TYPES = 'image/png,image/jpeg,image/gif,image/webp,image/avif';

/**
 * The viewer's profile picture: the current one, a new one uploaded and set, or an earlier one from
 * the history.
 */
export function ProfileTab() {
  const me = useMeQuery().data?.me;
  const history = useAvatarHistoryQuery({ fetchPolicy: 'cache-and-network' });
  const [setAvatar, setState] = useSetAvatarMutation({ refetchQueries: ['AvatarHistory'] });
  const upload = useSingleUpload();
  const headingId = useId();
  const historyId = useId();
  const earlier = history.data?.avatarHistory.filter((avatar) => !avatar.current) ?? [];
  const busy = upload.busy || setState.loading;

  return (
    <>
      <section aria-labelledby={headingId}>
        <h3 id={headingId}>Avatar</h3>
        <div className="avatar-row">
          <Avatar name={me?.displayName ?? ''} url={me?.avatarUrl} alt="Your avatar" size={96} />
          <div>
            <label>
              Upload avatar
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
                      setAvatar({ variables: { uploadId: ready.id } }),
                    )
                    .finally(() => (input.value = ''));
                }}
              />
            </label>
            <UploadProgress state={upload.state} />
            {me?.avatarUrl && (
              <button
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() => void setAvatar({ variables: { uploadId: null } }).catch(() => {})}
              >
                Remove avatar
              </button>
            )}
          </div>
        </div>
        <ErrorText error={upload.error ?? setState.error} />
      </section>
      {earlier.length > 0 && (
        <section aria-labelledby={historyId}>
          <h3 id={historyId}>Earlier avatars</h3>
          <ul className="avatar-history">
            {earlier.map((avatar) => {
              const when = new Date(avatar.setAt).toLocaleString();
              return (
                <li key={avatar.id}>
                  <button
                    type="button"
                    className="avatar-choice"
                    aria-label={`Use the avatar set ${when}`}
                    title={`Set ${when}`}
                    disabled={busy}
                    onClick={() => void setAvatar({ variables: { uploadId: avatar.id } }).catch(() => {})}
                  >
                    <img src={avatar.url} alt="" width={48} height={48} />
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <ErrorText error={history.error} />
      <StatusSection />
    </>
  );
}
