import { useChannelQuery } from '@gochat/react';

import { ErrorText } from '../errors.tsx';
import { MessageAuthor } from './MessageAuthor.tsx';
import { MessageContent } from './MessageContent.tsx';

/** The channel's pinned messages, most recently pinned first; pin events keep it current. */
export function PinsPanel({ channelId }: { channelId: string }) {
  const { data, error } = useChannelQuery({ variables: { id: channelId, withPins: true } });
  const pins = data?.channel.pinnedMessages ?? [];
  return (
    <section aria-label="Pinned messages" className="panel">
      <h2>Pinned messages</h2>
      <ErrorText error={error} />
      {data && pins.length === 0 && <p>No pinned messages yet.</p>}
      <ul>
        {pins.map((message) => (
          <li key={message.id}>
            <MessageAuthor message={message} avatarSize={20} />: <MessageContent message={message} />
          </li>
        ))}
      </ul>
    </section>
  );
}
