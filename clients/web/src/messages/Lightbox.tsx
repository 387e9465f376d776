import type { AttachmentFieldsFragment } from '@gochat/react';
import { useEffect, useRef } from 'react';
import { createPortal } from 'react-dom';

import { fitInside, humanSize } from '../media/format.ts';

/**
 * An image at its largest preview (1280), in a modal dialog named after the file: Escape, Close or a
 * click beside the image closes it. Loaded on the first open (React.lazy).
 */
export function Lightbox({
  attachment,
  onClose,
}: {
  attachment: AttachmentFieldsFragment;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    // Removing the element on unmount takes it out of the top layer: no close() in a cleanup, which
    // would fire `close` (and onClose) after a remount.
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  const large =
    attachment.previews.find((p) => p.size === 1280) ??
    attachment.previews.reduce<(typeof attachment.previews)[number] | undefined>(
      (best, p) => (!best || p.size > best.size ? p : best),
      undefined,
    );
  const size = fitInside(
    large?.width ?? attachment.width ?? 1280,
    large?.height ?? attachment.height ?? 960,
    1280,
    1280,
  );
  return createPortal(
    <dialog
      ref={ref}
      className="lightbox"
      aria-label={attachment.filename}
      onClose={onClose}
      onClick={(event) => {
        if (event.target === event.currentTarget) ref.current?.close();
      }}
    >
      <figure>
        <img
          src={large?.url ?? attachment.url}
          alt={attachment.filename}
          width={size.width}
          height={size.height}
        />
        <figcaption>
          <span className="filename">{attachment.filename}</span>{' '}
          <span className="hint">
            {attachment.width && attachment.height ? `${attachment.width}×${attachment.height} · ` : ''}
            {humanSize(attachment.size)}
          </span>{' '}
          <a href={attachment.url} download={attachment.filename}>
            Download
          </a>{' '}
          <button type="button" autoFocus onClick={() => ref.current?.close()}>
            Close
          </button>
        </figcaption>
      </figure>
    </dialog>,
    document.body,
  );
}
