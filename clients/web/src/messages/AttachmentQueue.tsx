import { useState } from 'react';

import { describeError } from '../errors.tsx';
import { humanSize } from '../media/format.ts';
import type { QueuedFile } from './useAttachmentQueue.ts';

const PHASE: Record<QueuedFile['phase'], string> = {
  uploading: 'Uploading',
  processing: 'Processing…',
  ready: 'Ready',
  failed: 'Not uploaded',
};

/** The composer's files: a thumbnail (images), the name, a progress bar named after the file, remove. */
export function AttachmentQueue({
  items,
  remove,
}: {
  items: readonly QueuedFile[];
  remove: (key: string) => void;
}) {
  return (
    <ul className="attachment-queue" aria-label="Files to send">
      {items.map((item) => {
        const name = item.file.name;
        return (
          <li key={item.key} className={`queued ${item.phase}`}>
            <Thumbnail url={item.thumbnail} />
            <div className="queued-body">
              <span className="filename" title={name}>
                {name}
              </span>
              <span className="hint">
                {humanSize(item.file.size)} ·{' '}
                {item.phase === 'uploading'
                  ? `${PHASE.uploading} ${Math.round(item.progress * 100)}%`
                  : PHASE[item.phase]}
              </span>
              <progress
                aria-label={name}
                max={1}
                // Indeterminate while the server processes the file.
                value={item.phase === 'processing' ? undefined : item.progress}
              />
              {item.phase === 'failed' && (
                <span role="alert" className="error">
                  {describeError(item.error)}
                </span>
              )}
            </div>
            <button
              type="button"
              className="remove"
              aria-label={`Remove ${name}`}
              title={`Remove ${name}`}
              onClick={() => remove(item.key)}
            >
              ✕
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The image itself, small; a file icon for other files and for images the browser cannot show. */
function Thumbnail({ url }: { url: string | null }) {
  const [broken, setBroken] = useState(false);
  if (url && !broken)
    return <img className="thumb" src={url} alt="" width={48} height={48} onError={() => setBroken(true)} />;
  return (
    <span className="thumb file-icon" aria-hidden="true">
      📄
    </span>
  );
}
