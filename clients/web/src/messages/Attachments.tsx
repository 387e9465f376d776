import type { AttachmentFieldsFragment } from '@gochat/react';
import { decode, isBlurhashValid } from 'blurhash';
import { lazy, Suspense, useLayoutEffect, useRef, useState } from 'react';

import { fitInside, humanSize } from '../media/format.ts';

const Lightbox = lazy(() => import('./Lightbox.tsx').then((module) => ({ default: module.Lightbox })));

/** The largest box an image or video is shown in, in CSS pixels. */
const MAX_WIDTH = 400;
const MAX_HEIGHT = 300;

type Attachment = AttachmentFieldsFragment;

function kindOf(attachment: Attachment): 'image' | 'video' | 'audio' | 'file' {
  const type = attachment.contentType.split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('image/') && attachment.width && attachment.height) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  return 'file';
}

/**
 * A message's files, under its text: images, video, audio, and cards for the rest. Their URLs are
 * signed for a while only: `onExpired` is called when one fails to load, to read them again.
 */
export function Attachments({
  attachments,
  onExpired,
}: {
  attachments: readonly Attachment[];
  onExpired?: () => void;
}) {
  if (!attachments.length) return null;
  return (
    <div className="attachments">
      {attachments.map((attachment) => {
        switch (kindOf(attachment)) {
          case 'image':
            return <ImageAttachment key={attachment.id} attachment={attachment} onError={onExpired} />;
          case 'video':
            return <VideoAttachment key={attachment.id} attachment={attachment} onError={onExpired} />;
          case 'audio':
            return <AudioAttachment key={attachment.id} attachment={attachment} onError={onExpired} />;
          case 'file':
            return <FileCard key={attachment.id} attachment={attachment} />;
        }
      })}
    </div>
  );
}

/** The preview for a box: 320 when that is sharp enough at this screen's density, else 640. */
function previewFor(attachment: Attachment, box: { width: number; height: number }) {
  const needed = Math.max(box.width, box.height) * (window.devicePixelRatio || 1);
  const bySize = (size: number) => attachment.previews.find((p) => p.size === size);
  return (needed <= 320 ? bySize(320) : undefined) ?? bySize(640) ?? bySize(320) ?? attachment.previews[0];
}

function boxOf(attachment: Attachment) {
  return fitInside(attachment.width ?? MAX_WIDTH, attachment.height ?? MAX_HEIGHT, MAX_WIDTH, MAX_HEIGHT);
}

interface MediaProps {
  attachment: Attachment;
  onError?: (() => void) | undefined;
}

function ImageAttachment({ attachment, onError }: MediaProps) {
  const [loaded, setLoaded] = useState(false);
  const [open, setOpen] = useState(false);
  const box = boxOf(attachment);
  const src = previewFor(attachment, box)?.url ?? attachment.url;
  return (
    <div className="image-attachment" style={{ width: box.width, height: box.height }}>
      {attachment.blurhash && !loaded && (
        <BlurhashCanvas hash={attachment.blurhash} width={box.width} height={box.height} />
      )}
      <img
        src={src}
        alt={attachment.filename}
        width={box.width}
        height={box.height}
        decoding="async"
        className={loaded ? 'loaded' : undefined}
        onLoad={() => setLoaded(true)}
        onError={onError}
      />
      <button
        type="button"
        className="open-image"
        aria-label={`Open ${attachment.filename}`}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      />
      {open && (
        <Suspense fallback={null}>
          <Lightbox attachment={attachment} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </div>
  );
}

/** Decoded placeholders by hash: a list that scrolls mounts the same images again and again. */
const decoded = new Map<string, { width: number; height: number; pixels: Uint8ClampedArray }>();

/** The BlurHash painted small on a canvas that CSS stretches over the box until the image loads. */
function BlurhashCanvas({ hash, width, height }: { hash: string; width: number; height: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const canvas = ref.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    let image = decoded.get(hash);
    if (!image) {
      if (!isBlurhashValid(hash).result) return;
      const w = 32;
      const h = Math.min(64, Math.max(1, Math.round((32 * height) / width)));
      image = { width: w, height: h, pixels: decode(hash, w, h) };
      if (decoded.size > 500) decoded.clear();
      decoded.set(hash, image);
    }
    canvas.width = image.width;
    canvas.height = image.height;
    const data = context.createImageData(image.width, image.height);
    data.data.set(image.pixels);
    context.putImageData(data, 0, 0);
  }, [hash, width, height]);
  return <canvas ref={ref} className="blurhash" aria-hidden="true" />;
}

function VideoAttachment({ attachment, onError }: MediaProps) {
  const box = boxOf(attachment);
  const poster = previewFor(attachment, box)?.url;
  return (
    <figure className="media-attachment">
      <video
        controls
        preload="metadata"
        src={attachment.url}
        poster={poster}
        width={box.width}
        height={box.height}
        aria-label={attachment.filename}
        onError={onError}
      />
      <figcaption>
        <MediaCaption attachment={attachment} />
      </figcaption>
    </figure>
  );
}

function AudioAttachment({ attachment, onError }: MediaProps) {
  return (
    <figure className="media-attachment audio">
      <figcaption>
        <MediaCaption attachment={attachment} />
      </figcaption>
      <audio
        controls
        preload="metadata"
        src={attachment.url}
        aria-label={attachment.filename}
        onError={onError}
      />
    </figure>
  );
}

function MediaCaption({ attachment }: { attachment: Attachment }) {
  return (
    <>
      <span className="filename">{attachment.filename}</span>{' '}
      <span className="hint">{humanSize(attachment.size)}</span> <DownloadLink attachment={attachment} />
    </>
  );
}

/** "Download", named "Download <filename>" for screen readers. */
function DownloadLink({ attachment }: { attachment: Attachment }) {
  return (
    <a href={attachment.url} download={attachment.filename} className="download">
      Download<span className="visually-hidden"> {attachment.filename}</span>
    </a>
  );
}

function FileCard({ attachment }: { attachment: Attachment }) {
  return (
    <div className="file-card">
      <span className="file-icon" aria-hidden="true">
        📄
      </span>
      <span className="file-text">
        <span className="filename" title={attachment.filename}>
          {attachment.filename}
        </span>
        <span className="hint">{humanSize(attachment.size)}</span>
      </span>
      <DownloadLink attachment={attachment} />
    </div>
  );
}
