import { useChannelQuery } from '@gochat/react';
import { Link } from 'react-router';

import { ErrorText } from '../errors.tsx';

/** The channel's active threads, newest first, each a link that opens it beside the channel. */
export function ThreadsPanel({ guildId, channelId }: { guildId: string; channelId: string }) {
  const { data, error } = useChannelQuery({ variables: { id: channelId, withThreads: true } });
  const threads = data?.channel.threads ?? [];
  return (
    <section aria-label="Threads" className="panel">
      <h2>Threads</h2>
      <ErrorText error={error} />
      {data && threads.length === 0 && <p>No threads yet: start one from a message.</p>}
      <ul>
        {threads.map((thread) => (
          <li key={thread.id}>
            <Link to={`/guilds/${guildId}/${channelId}/threads/${thread.id}`}>{thread.name}</Link>{' '}
            <span className="hint">{thread.memberCount} members</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
