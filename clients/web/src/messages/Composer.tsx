import {
  skipToken,
  useGoChat,
  useGuildMembersQuery,
  useSendMessageMutation,
  useStartTypingMutation,
} from '@gochat/react';
import { useEffect, useId, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';

import { ErrorText } from '../errors.tsx';
import { AttachmentQueue } from './AttachmentQueue.tsx';
import { useAttachmentQueue } from './useAttachmentQueue.ts';

/** Typing tells others every 8 s at most; the server shows it for 10 s. */
const TYPING_EVERY_MS = 8_000;
/** `@` and the word being typed, right before the caret. */
const MENTION_QUERY = /(?:^|\s)@([\p{L}\p{N}_.-]*)$/u;

interface Candidate {
  id: string;
  name: string;
  handle: string | null;
}

export function Composer({
  channelId,
  guildId,
  name,
  replyTo,
  clearReply,
}: {
  channelId: string;
  guildId: string | null;
  name: string;
  replyTo: { id: string; author: string } | null;
  clearReply: () => void;
}) {
  const gochat = useGoChat();
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [selected, setSelected] = useState(0);
  const [startTyping] = useStartTypingMutation();
  const lastTyping = useRef(0);
  const input = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const members = useGuildMembersQuery(guildId ? { variables: { guildId, first: 100 } } : skipToken);
  const files = useAttachmentQueue(channelId);
  const picker = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [sendWithFiles, sending] = useSendMessageMutation();
  /** Send was asked for while files were still uploading: it goes once they are all ready. */
  const [waiting, setWaiting] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  /** Kept across retries of one set of files, so the server can tell a retry from a new send. */
  const nonce = useRef<{ files: string; value: string } | null>(null);
  const delivering = useRef(false);

  const query = MENTION_QUERY.exec(text.slice(0, caret))?.[1];
  const candidates: Candidate[] =
    query === undefined
      ? []
      : (members.data?.guildMembers.nodes ?? [])
          .map((m) => ({ id: m.user.id, name: m.nickname ?? m.user.displayName, handle: m.user.handle }))
          .filter(
            (c) =>
              c.name.toLowerCase().startsWith(query.toLowerCase()) ||
              (c.handle ?? '').toLowerCase().startsWith(query.toLowerCase()),
          )
          .slice(0, 8);
  const active = candidates[Math.min(selected, candidates.length - 1)];

  function choose(candidate: Candidate) {
    const before = text.slice(0, caret).replace(/@[\p{L}\p{N}_.-]*$/u, `<@${candidate.id}> `);
    const next = before + text.slice(caret);
    setText(next);
    setCaret(before.length);
    setSelected(0);
    requestAnimationFrame(() => input.current?.setSelectionRange(before.length, before.length));
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (candidates.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : candidates.length - 1;
        setSelected((s) => (s + step) % candidates.length);
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && active) {
        event.preventDefault();
        choose(active);
        return;
      }
    }
    if (event.key !== 'Enter' || event.shiftKey) return;
    event.preventDefault();
    submit();
  }

  function submit() {
    const content = text.trim();
    setRefusal(null);
    if (files.items.length === 0) {
      if (!content) return;
      setText('');
      lastTyping.current = 0;
      void gochat.messages.send(channelId, content, replyTo?.id ?? null);
      clearReply();
      return;
    }
    if (files.anyFailed) {
      setRefusal('Remove the files that could not be uploaded, then send again.');
      return;
    }
    if (!files.allReady) setWaiting(true);
    else void deliver();
  }

  /** The message with its files: sent through the API at once (the feed puts it in the history). */
  async function deliver() {
    if (delivering.current) return;
    const content = text.trim();
    const attachmentIds = files.items.flatMap((item) => (item.uploadId ? [item.uploadId] : []));
    const key = attachmentIds.join(',');
    if (nonce.current?.files !== key)
      nonce.current = { files: key, value: crypto.randomUUID().replace(/-/g, '').slice(0, 32) };
    delivering.current = true;
    const result = await sendWithFiles({
      variables: {
        channelId,
        content,
        nonce: nonce.current.value,
        attachmentIds,
        ...(replyTo ? { replyToId: replyTo.id } : {}),
      },
    })
      .catch(() => null)
      .finally(() => (delivering.current = false));
    if (!result?.data) return;
    nonce.current = null;
    lastTyping.current = 0;
    setText((now) => (now.trim() === content ? '' : now));
    files.clear();
    clearReply();
  }

  // Send was asked for while uploading: send once every file is ready; stop if one failed.
  useEffect(() => {
    if (!waiting) return;
    if (files.anyFailed || files.items.length === 0) setWaiting(false);
    else if (files.allReady) {
      setWaiting(false);
      void deliver();
    }
  });

  function onDragOver(event: DragEvent) {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  }

  function onDrop(event: DragEvent) {
    setDragging(false);
    if (!event.dataTransfer.files.length) return;
    event.preventDefault();
    files.add(event.dataTransfer.files);
  }

  function onChange(value: string, position: number) {
    setText(value);
    setCaret(position);
    setSelected(0);
    const now = Date.now();
    if (value && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      void startTyping({ variables: { channelId } }).catch(() => {});
    }
  }

  const hasFiles = files.items.length > 0;
  return (
    <div
      className={`composer${dragging ? ' dragging' : ''}`}
      onDragOver={onDragOver}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={onDrop}
    >
      {dragging && (
        <p className="drop-hint" aria-hidden="true">
          Drop files to attach them
        </p>
      )}
      {hasFiles && <AttachmentQueue items={files.items} remove={files.remove} />}
      {files.notice && (
        <p role="alert" className="error">
          {files.notice}
        </p>
      )}
      {refusal && (
        <p role="alert" className="error">
          {refusal}
        </p>
      )}
      <ErrorText error={sending.error} />
      {waiting && (
        <p role="status" className="hint">
          Sending when the files are uploaded…
        </p>
      )}
      {replyTo && (
        <p className="replying">
          Replying to {replyTo.author}{' '}
          <button type="button" onClick={clearReply}>
            Cancel reply
          </button>
        </p>
      )}
      {candidates.length > 0 && (
        <ul id={listId} role="listbox" aria-label="Mention suggestions" className="suggestions">
          {candidates.map((c) => (
            <li
              key={c.id}
              id={`${listId}-${c.id}`}
              role="option"
              aria-selected={c === active}
              onMouseDown={(event) => {
                event.preventDefault();
                choose(c);
              }}
            >
              {c.name}
              {c.handle ? <span className="handle"> @{c.handle}</span> : null}
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <button
          type="button"
          className="attach"
          aria-label="Attach files"
          title="Attach files"
          onClick={() => picker.current?.click()}
        >
          +
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          onChange={(event) => {
            if (event.target.files) files.add(event.target.files);
            event.target.value = '';
          }}
        />
        <textarea
          ref={input}
          aria-label="Message"
          placeholder={`Message #${name}`}
          rows={1}
          value={text}
          aria-controls={candidates.length > 0 ? listId : undefined}
          aria-autocomplete="list"
          aria-activedescendant={active ? `${listId}-${active.id}` : undefined}
          onChange={(e) => onChange(e.target.value, e.target.selectionStart)}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onPaste={(event) => {
            if (!event.clipboardData.files.length) return;
            event.preventDefault();
            files.add(event.clipboardData.files);
          }}
        />
        <button
          type="button"
          className="send"
          disabled={sending.loading || waiting || (!text.trim() && !hasFiles)}
          onClick={submit}
        >
          Send
        </button>
      </div>
    </div>
  );
}
