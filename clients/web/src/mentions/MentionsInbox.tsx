import {
  RecentMentionsDocument,
  useGoChat,
  useRecentMentionsQuery,
  type RecentMentionsQuery,
} from '@gochat/react';
import { useState } from 'react';
import { Link } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { MessageAuthor } from '../messages/MessageAuthor.tsx';
import { MessageContent } from '../messages/MessageContent.tsx';
import './mentions.css';

export type Mention = RecentMentionsQuery['recentMentions'][number];

/** Mentions per page, as Discord's inbox loads them. */
export const PAGE = 25;

/** Where a mention is in the app: its guild channel or thread, or its DM, with the message to show. */
export function mentionHref(message: Mention): string {
  const focus = `?message=${encodeURIComponent(message.id)}`;
  const guildId = message.channel.guild?.id;
  if (!guildId) return `/dms/${message.channelId}${focus}`;
  return message.thread
    ? `/guilds/${guildId}/${message.channel.id}/threads/${message.thread.id}${focus}`
    : `/guilds/${guildId}/${message.channel.id}${focus}`;
}

/** "Guild › # channel › thread", or "Direct message". */
export function mentionPlace(message: Mention): string {
  const { channel, thread } = message;
  if (!channel.guild) return 'Direct message';
  return `${channel.guild.name} › # ${channel.name ?? 'channel'}${thread ? ` › ${thread.name}` : ''}`;
}

/**
 * The viewer's mentions inbox (recentMentions): the messages that mention them across their guilds
 * and DMs, newest first; each opens its message in its channel. Read afresh on every open (it mounts
 * with its dialog); "Load older" asks for the page before the oldest one shown.
 */
export function MentionsInbox({ close }: { close: () => void }) {
  const { apollo } = useGoChat();
  const first = useRecentMentionsQuery({ variables: { limit: PAGE }, fetchPolicy: 'network-only' });
  const [older, setOlder] = useState<{
    messages: Mention[];
    more: boolean;
    loading: boolean;
    error?: unknown;
  }>({
    messages: [],
    more: true,
    loading: false,
  });
  const firstPage = first.data?.recentMentions ?? [];
  const mentions = [...firstPage, ...older.messages];
  const hasMore = firstPage.length === PAGE && older.more;

  const loadOlder = () => {
    const before = mentions.at(-1)?.id;
    if (!before) return;
    setOlder((s) => ({ ...s, loading: true, error: undefined }));
    apollo
      .query({
        query: RecentMentionsDocument,
        variables: { before, limit: PAGE },
        fetchPolicy: 'network-only',
      })
      .then(({ data }) => {
        const page = data?.recentMentions ?? [];
        setOlder((s) => ({ messages: [...s.messages, ...page], more: page.length === PAGE, loading: false }));
      })
      .catch((error: unknown) => setOlder((s) => ({ ...s, loading: false, error })));
  };

  return (
    <div className="settings-body mentions-inbox">
      <h2>Mentions</h2>
      <ErrorText error={first.error ?? older.error} />
      {first.loading && !first.data ? (
        <p className="loading">Loading…</p>
      ) : mentions.length === 0 ? (
        <p className="empty">Nobody has mentioned you yet.</p>
      ) : (
        <ol className="mention-list" aria-label="Recent mentions">
          {mentions.map((message) => (
            <li key={message.id}>
              <Link className="mention-item" to={mentionHref(message)} onClick={close}>
                <span className="mention-meta">
                  <MessageAuthor message={message} avatarSize={20} />
                  <span className="where">{mentionPlace(message)}</span>
                  <time dateTime={message.createdAt}>{new Date(message.createdAt).toLocaleString()}</time>
                </span>
                <span className="mention-text">
                  <MessageContent message={message} />
                </span>
              </Link>
            </li>
          ))}
        </ol>
      )}
      <p className="dialog-actions">
        {hasMore && (
          <button type="button" className="secondary" disabled={older.loading} onClick={loadOlder}>
            {older.loading ? 'Loading…' : 'Load older mentions'}
          </button>
        )}
        <button type="button" onClick={close}>
          Close
        </button>
      </p>
    </div>
  );
}
