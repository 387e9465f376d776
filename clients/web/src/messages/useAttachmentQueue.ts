import { uploadFile, useGoChat } from '@gochat/react';
import { useCallback, useEffect, useRef, useState } from 'react';

/** A message takes at most this many attachments (the API's limit). */
export const MAX_ATTACHMENTS = 10;

export interface QueuedFile {
  key: string;
  file: File;
  /** An object URL of an image, for its thumbnail. */
  thumbnail: string | null;
  /** Bytes sent, 0 to 1. */
  progress: number;
  phase: 'uploading' | 'processing' | 'ready' | 'failed';
  uploadId: string | null;
  error: unknown;
}

let counter = 0;

/**
 * The files waiting in a composer: each is uploaded as soon as it is added (createUpload, PUT with
 * progress, completeUpload, and the wait for processing), and its READY upload id is kept for the
 * send. Removing one aborts it; leaving the channel aborts them all.
 */
export function useAttachmentQueue(channelId: string) {
  const gochat = useGoChat();
  const [items, setItems] = useState<readonly QueuedFile[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const controllers = useRef(new Map<string, AbortController>());
  const current = useRef(items);
  current.current = items;

  const update = useCallback((key: string, change: Partial<QueuedFile>) => {
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const add = useCallback(
    (files: Iterable<File>) => {
      const room = MAX_ATTACHMENTS - current.current.length;
      const all = [...files];
      const taken = all.slice(0, Math.max(0, room));
      setNotice(
        taken.length < all.length
          ? `A message takes up to ${MAX_ATTACHMENTS} files: some were left out.`
          : null,
      );
      if (!taken.length) return;
      const added = taken.map((file): QueuedFile => ({
        key: `f${++counter}`,
        file,
        thumbnail: file.type.startsWith('image/') ? URL.createObjectURL(file) : null,
        progress: 0,
        phase: 'uploading',
        uploadId: null,
        error: null,
      }));
      current.current = [...current.current, ...added];
      setItems((list) => [...list, ...added]);
      for (const item of added) {
        const controller = new AbortController();
        controllers.current.set(item.key, controller);
        uploadFile(gochat, item.file, {
          kind: 'ATTACHMENT',
          channelId,
          signal: controller.signal,
          onProgress: (progress) => update(item.key, { progress }),
          onProcessing: () => update(item.key, { phase: 'processing', progress: 1 }),
        })
          .then((upload) => update(item.key, { phase: 'ready', progress: 1, uploadId: upload.id }))
          .catch((error: unknown) => {
            if (!controller.signal.aborted) update(item.key, { phase: 'failed', error });
          })
          .finally(() => controllers.current.delete(item.key));
      }
    },
    [channelId, gochat, update],
  );

  const forget = (item: QueuedFile) => {
    controllers.current.get(item.key)?.abort();
    controllers.current.delete(item.key);
    if (item.thumbnail) URL.revokeObjectURL(item.thumbnail);
  };

  const remove = (key: string) => {
    const item = current.current.find((i) => i.key === key);
    if (item) forget(item);
    setNotice(null);
    setItems((list) => list.filter((i) => i.key !== key));
  };

  /** After a send: the uploads now belong to the message. */
  const clear = () => {
    for (const item of current.current) forget(item);
    current.current = [];
    setNotice(null);
    setItems([]);
  };

  // Leaving the channel: stop what is still uploading, free the thumbnails.
  useEffect(
    () => () => {
      for (const item of current.current) forget(item);
    },
    [],
  );

  return {
    items,
    notice,
    add,
    remove,
    clear,
    allReady: items.length > 0 && items.every((i) => i.phase === 'ready'),
    anyFailed: items.some((i) => i.phase === 'failed'),
  };
}
