import { useGoChat, useStartTypingMutation } from '@gochat/react';
import { useRef, useState, type KeyboardEvent } from 'react';

/** Typing tells others every 8 s at most; the server shows it for 10 s. */
const TYPING_EVERY_MS = 8_000;

export function Composer({
  channelId,
  name,
  replyTo,
  clearReply,
}: {
  channelId: string;
  name: string;
  replyTo: { id: string; author: string } | null;
  clearReply: () => void;
}) {
  const gochat = useGoChat();
  const [text, setText] = useState('');
  const [startTyping] = useStartTypingMutation();
  const lastTyping = useRef(0);

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key !== 'Enter' || event.shiftKey) return;
    event.preventDefault();
    const content = text.trim();
    if (!content) return;
    setText('');
    lastTyping.current = 0;
    void gochat.messages.send(channelId, content, replyTo?.id ?? null);
    clearReply();
  }

  function onChange(value: string) {
    setText(value);
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
      <textarea
        aria-label="Message"
        placeholder={`Message #${name}`}
        rows={1}
        value={text}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
      />
    </div>
  );
}
