import type { UploadFileOptions } from '@gochat/react';
import { useId } from 'react';

import { ErrorText } from '../errors.tsx';
import { Avatar } from './Avatar.tsx';
import { UploadProgress } from './UploadProgress.tsx';
import { useSingleUpload } from './useSingleUpload.ts';

/** Image types the media service reads (animated GIF, WebP and APNG stay animated). */
export const IMAGE_TYPES = 'image/png,image/jpeg,image/gif,image/webp,image/avif';

/**
 * One picture of a settings screen (a guild's icon, the viewer's avatar in a guild): the current one,
 * a file input that uploads a new one and sets it once it is READY, and a button that removes it.
 * The screen passes its own set mutation; one image at a time, the input is off while busy.
 */
export function ImageUploadSection({
  heading,
  preview,
  uploadLabel,
  upload: options,
  set,
  setState,
  removeLabel,
  removable,
}: {
  heading: string;
  /** The picture shown now (the initials of `name` without one); `alt` names it. */
  preview: { name: string; url: string | null | undefined; alt: string };
  /** The file input's label. */
  uploadLabel: string;
  /** What the upload is for. */
  upload: Pick<UploadFileOptions, 'kind' | 'guildId'>;
  /** Sets the picture to a READY upload, or removes it (null). */
  set: (uploadId: string | null) => Promise<unknown>;
  /** The set mutation's state: busy while loading, its error shown. */
  setState: { loading: boolean; error?: unknown };
  removeLabel: string;
  /** Whether there is a picture of this screen's own to remove. */
  removable: boolean;
}) {
  const headingId = useId();
  const uploader = useSingleUpload();
  const busy = uploader.busy || setState.loading;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>{heading}</h3>
      <div className="avatar-row">
        <Avatar name={preview.name} url={preview.url} alt={preview.alt} size={96} />
        <div>
          <label>
            {uploadLabel}
            <input
              type="file"
              accept={IMAGE_TYPES}
              disabled={busy}
              onChange={(event) => {
                const input = event.currentTarget;
                const file = input.files?.[0];
                if (!file) return;
                void uploader.run(file, options, (ready) => set(ready.id)).finally(() => (input.value = ''));
              }}
            />
          </label>
          <UploadProgress state={uploader.state} />
          {removable && (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => void set(null).catch(() => {})}
            >
              {removeLabel}
            </button>
          )}
        </div>
      </div>
      <ErrorText error={uploader.error ?? setState.error} />
    </section>
  );
}
