import { useAckMessageMutation, useMessagesQuery } from '@gochat/react';
import { useEffect, useState } from 'react';

import { ErrorText } from '../errors.tsx';
import { Composer } from './Composer.tsx';
import { MessageList } from './MessageList.tsx';
import { TypingIndicator } from './TypingIndicator.tsx';

const PAGE = 50;

/** One channel: its history (older pages on scroll), live messages, typing and the composer. */
export function ChannelView({ channelId, name }: { channelId: string; name: string }) {
  const { data, error, fetchMore } = useMessagesQuery({ variables: { channelId, limit: PAGE } });
  const [olderDone, setOlderDone] = useState(false);
  const [replyTo, setReplyTo] = useState<{ id: string; author: string } | null>(null);
  const [ack] = useAckMessageMutation();
  const messages = data?.messages ?? [];
  const newest = messages.at(-1)?.id;

  // Reading the channel acknowledges its newest message, so badges clear here and on other devices.
  useEffect(() => {
    if (newest && document.visibilityState === 'visible')
      void ack({ variables: { channelId, messageId: newest } }).catch(() => {});
  }, [ack, channelId, newest]);

  async function loadOlder() {
    const oldest = messages[0]?.id;
    if (!oldest || olderDone) return;
    const { data: page } = await fetchMore({ variables: { channelId, limit: PAGE, before: oldest } });
    if ((page?.messages.length ?? 0) < PAGE) setOlderDone(true);
  }

  return (
    <main className="channel">
      <header>
        <h1># {name}</h1>
      </header>
      <ErrorText error={error} />
      <MessageList
        channelId={channelId}
        messages={messages}
        loading={!data}
        hasOlder={!olderDone && messages.length >= PAGE}
        loadOlder={loadOlder}
        onReply={setReplyTo}
      />
      <TypingIndicator channelId={channelId} />
      <Composer channelId={channelId} name={name} replyTo={replyTo} clearReply={() => setReplyTo(null)} />
    </main>
  );
}
