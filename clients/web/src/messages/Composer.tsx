import { skipToken, useGoChat, useGuildMembersQuery, useStartTypingMutation } from '@gochat/react';
import { useId, useRef, useState, type KeyboardEvent } from 'react';

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
    const content = text.trim();
    if (!content) return;
    setText('');
    lastTyping.current = 0;
    void gochat.messages.send(channelId, content, replyTo?.id ?? null);
    clearReply();
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

  return (
    <div className="composer">
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
      />
    </div>
  );
}
