import { usePendingMessages, type MessageFieldsFragment } from '@gochat/react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef } from 'react';

import { Message, PendingMessageRow } from './Message.tsx';

/**
 * The history as a virtualised list: only the rows on screen are in the DOM, so a channel of
 * 100,000 messages scrolls like one of 50. It sticks to the bottom while the reader is there, and
 * asks for older pages near the top, keeping the reader's place.
 */
export function MessageList({
  channelId,
  messages,
  loading,
  hasOlder,
  loadOlder,
  onReply,
}: {
  channelId: string;
  messages: readonly MessageFieldsFragment[];
  loading: boolean;
  hasOlder: boolean;
  loadOlder: () => Promise<void>;
  onReply: (target: { id: string; author: string }) => void;
}) {
  const pending = usePendingMessages(channelId);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const loadingOlder = useRef(false);
  const count = messages.length + pending.length;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => 56,
    overscan: 12,
    getItemKey: (index) =>
      index < messages.length ? messages[index]!.id : pending[index - messages.length]!.nonce,
  });

  // Keep the place when older messages are put above: shift by the height they add.
  const firstId = messages[0]?.id;
  const previousFirst = useRef(firstId);
  const previousCount = useRef(count);
  useLayoutEffect(() => {
    const added =
      previousFirst.current && firstId !== previousFirst.current
        ? messages.findIndex((m) => m.id === previousFirst.current)
        : 0;
    if (added > 0) virtualizer.scrollToIndex(added, { align: 'start' });
    else if (atBottom.current && count > 0) virtualizer.scrollToIndex(count - 1, { align: 'end' });
    previousFirst.current = firstId;
    previousCount.current = count;
  }, [firstId, count, messages, virtualizer]);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return undefined;
    const onScroll = () => {
      atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
      if (element.scrollTop < 400 && hasOlder && !loadingOlder.current) {
        loadingOlder.current = true;
        void loadOlder().finally(() => (loadingOlder.current = false));
      }
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    return () => element.removeEventListener('scroll', onScroll);
  }, [hasOlder, loadOlder]);

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
            className="row"
            style={{
              position: 'absolute',
              top: 0,
              left: 0,
              width: '100%',
              transform: `translateY(${item.start}px)`,
            }}
          >
            {item.index < messages.length ? (
              <Message channelId={channelId} message={messages[item.index]!} onReply={onReply} />
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
