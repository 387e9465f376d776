import { usePendingMessages, type MessageFieldsFragment } from '@gochat/react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef } from 'react';

import type { MessageFocus } from './focus.ts';
import { Message, PendingMessageRow } from './Message.tsx';

/**
 * The history as a virtualised list: only the rows on screen are in the DOM, and the cached history
 * is a window of at most a few hundred messages (ChannelView), so a channel of 100,000 messages
 * scrolls like one of 50. It sticks to the bottom while the reader is there and the window reaches
 * the newest message; near the top it asks for older pages, near the bottom of a window that stops
 * short of the newest, for newer ones, keeping the reader's place either way.
 */
export function MessageList({
  channelId,
  guildId,
  inThread,
  roleName,
  messages,
  loading,
  hasOlder,
  loadOlder,
  atLatest,
  loadNewer,
  onReply,
  focus = null,
  manageMessages = false,
}: {
  channelId: string;
  guildId: string | null;
  inThread: boolean;
  roleName?: ((roleId: string) => string | undefined) | undefined;
  messages: readonly MessageFieldsFragment[];
  loading: boolean;
  hasOlder: boolean;
  loadOlder: () => Promise<void>;
  atLatest: boolean;
  loadNewer: () => Promise<void>;
  onReply: (target: { id: string; author: string }) => void;
  /** A message to scroll to and highlight. */
  focus?: MessageFocus | null;
  /** The viewer holds MANAGE_MESSAGES in the channel. */
  manageMessages?: boolean;
}) {
  const pending = usePendingMessages(channelId);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const loadingPage = useRef(false);
  /** The message at the top of the view, to keep it there when rows above it change. */
  const anchor = useRef<string | null>(null);
  const count = messages.length + pending.length;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => 56,
    overscan: 12,
    getItemKey: (index) =>
      index < messages.length ? messages[index]!.id : pending[index - messages.length]!.nonce,
  });

  // Keep the place when rows above change (older ones put above, or the window's oldest dropped).
  const firstId = messages[0]?.id;
  const previousFirst = useRef(firstId);
  useLayoutEffect(() => {
    const before = previousFirst.current;
    previousFirst.current = firstId;
    if (before && firstId !== before) {
      const keep = anchor.current ?? before;
      const at = messages.findIndex((m) => m.id === keep);
      if (at >= 0) virtualizer.scrollToIndex(at, { align: 'start' });
      return;
    }
    if (atLatest && atBottom.current && count > 0) virtualizer.scrollToIndex(count - 1, { align: 'end' });
  }, [firstId, count, messages, virtualizer, atLatest]);

  // Scroll to the message asked for once it is in the list, once per time it is asked for; the
  // reader is then away from the bottom, so live messages do not pull the view down.
  const scrolledTo = useRef<string | null>(null);
  useLayoutEffect(() => {
    if (!focus || scrolledTo.current === focus.key) return;
    const at = messages.findIndex((m) => m.id === focus.id);
    if (at < 0) return;
    scrolledTo.current = focus.key;
    atBottom.current = false;
    virtualizer.scrollToIndex(at, { align: 'center' });
  }, [focus, messages, virtualizer]);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return undefined;
    const load = (page: () => Promise<void>) => {
      loadingPage.current = true;
      void page()
        .catch(() => {}) // offline or refused: the next scroll asks again
        .finally(() => (loadingPage.current = false));
    };
    const onScroll = () => {
      const fromBottom = element.scrollHeight - element.scrollTop - element.clientHeight;
      atBottom.current = fromBottom < 80;
      const top = virtualizer.getVirtualItems().find((item) => item.end > element.scrollTop);
      anchor.current = top && top.index < messages.length ? messages[top.index]!.id : null;
      if (loadingPage.current) return;
      if (element.scrollTop < 400 && hasOlder) load(loadOlder);
      else if (fromBottom < 400 && !atLatest) load(loadNewer);
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    return () => element.removeEventListener('scroll', onScroll);
  }, [hasOlder, loadOlder, atLatest, loadNewer, messages, virtualizer]);

  return (
    <div
      ref={scroller}
      className="messages"
      role="log"
      aria-label="Messages"
      aria-busy={loading}
      tabIndex={0}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            data-index={item.index}
            ref={virtualizer.measureElement}
            className={
              item.index < messages.length && messages[item.index]!.id === focus?.id
                ? 'row highlighted'
                : 'row'
            }
            style={{
              position: 'absolute',
              top: 0,
              left: 0,
              width: '100%',
              transform: `translateY(${item.start}px)`,
            }}
          >
            {item.index < messages.length ? (
              <Message
                channelId={channelId}
                guildId={guildId}
                inThread={inThread}
                roleName={roleName}
                message={messages[item.index]!}
                onReply={onReply}
                manageMessages={manageMessages}
              />
            ) : (
              <PendingMessageRow message={pending[item.index - messages.length]!} />
            )}
          </div>
        ))}
      </div>
      {!loading && count === 0 && <p className="empty">No messages yet. Say hello!</p>}
    </div>
  );
}
