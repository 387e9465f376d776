import { Link } from 'react-router';

import { MessageAuthor } from '../messages/MessageAuthor.tsx';
import { Marked } from './Marked.tsx';
import type { SearchHit } from './useMessageSearch.ts';

/** Where a message is in the app: its channel (or thread) with the message to show. */
export function messageHref(guildId: string, message: SearchHit['message']): string {
  const focus = `?message=${encodeURIComponent(message.id)}`;
  return message.thread
    ? `/guilds/${guildId}/${message.channel.id}/threads/${message.thread.id}${focus}`
    : `/guilds/${guildId}/${message.channelId}${focus}`;
}

/** One result: author, channel and time, and the matched fragments (or the start of the message). */
export function SearchHitItem({
  guildId,
  hit,
  onOpen,
}: {
  guildId: string;
  hit: SearchHit;
  onOpen: (hit: SearchHit) => void;
}) {
  const { message, highlights } = hit;
  const time = new Date(message.createdAt);
  return (
    <Link className="search-hit" to={messageHref(guildId, message)} onClick={() => onOpen(hit)}>
      <span className="search-hit-meta">
        <MessageAuthor message={message} avatarSize={20} />
        <span className="where">
          # {message.channel.name ?? 'channel'}
          {message.thread ? ` › ${message.thread.name}` : ''}
        </span>
        <time dateTime={message.createdAt}>{time.toLocaleString()}</time>
      </span>
      <span className="search-hit-text">
        {highlights.length > 0
          ? highlights.map((fragment, i) => (
              <Marked key={i} className="fragment" text={fragment.text} ranges={fragment.ranges} />
            ))
          : message.content || (message.attachments.length ? `${message.attachments.length} file(s)` : '')}
      </span>
    </Link>
  );
}
