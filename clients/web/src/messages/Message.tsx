import {
  useAddReactionMutation,
  useCreateThreadMutation,
  useDeleteMessageMutation,
  useEditMessageMutation,
  useGoChat,
  usePinMessageMutation,
  useRemoveReactionMutation,
  useSuppressEmbedsMutation,
  useUnpinMessageMutation,
  MessagesByIdsDocument,
  type MessageFieldsFragment,
  type PendingMessage,
} from '@gochat/react';
import { memo, useId, useRef, useState, type KeyboardEvent } from 'react';
import { Link, useNavigate } from 'react-router';

import { describeError, ErrorText } from '../errors.tsx';
import { Attachments } from './Attachments.tsx';
import { guildAuthor } from './author.ts';
import { EditHistory } from './EditHistory.tsx';
import { Embeds } from './Embeds.tsx';
import { MessageAuthor } from './MessageAuthor.tsx';
import { MessageContent } from './MessageContent.tsx';

const THUMBS_UP = '👍';
/** The quick picker's emoji (any Unicode emoji works through the API). */
const QUICK_REACTIONS = ['❤️', '😂', '🎉', '😮', '😢', '👀', '✅'];

/**
 * One message. Memoised: the list re-renders on every scroll frame, and a message whose data did not
 * change (the cache hands out the same object) is not rendered again.
 */
export const Message = memo(function Message({
  channelId,
  guildId,
  inThread,
  roleName,
  message,
  onReply,
  manageMessages = false,
}: {
  channelId: string;
  guildId: string | null;
  inThread: boolean;
  roleName?: ((roleId: string) => string | undefined) | undefined;
  message: MessageFieldsFragment;
  /** The viewer holds MANAGE_MESSAGES here: they may remove or show others' embeds. */
  manageMessages?: boolean;
  onReply: (target: { id: string; author: string }) => void;
}) {
  const gochat = useGoChat();
  const authorId = useId();
  const own = message.author.id === gochat.viewerId;
  const urlsReadAt = useRef(0);
  const [editing, setEditing] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const [picking, setPicking] = useState(false);
  const [naming, setNaming] = useState(false);
  const navigate = useNavigate();
  const [createThread, threadState] = useCreateThreadMutation();
  const [edit, editState] = useEditMessageMutation();
  const [remove, removeState] = useDeleteMessageMutation();
  const [addReaction, addState] = useAddReactionMutation();
  const [removeReaction, removeReactionState] = useRemoveReactionMutation();
  const [pin, pinState] = usePinMessageMutation();
  const [unpin, unpinState] = useUnpinMessageMutation();
  const [suppressEmbeds, suppressState] = useSuppressEmbedsMutation();
  const ids = { channelId, messageId: message.id };
  // Its author, or MANAGE_MESSAGES holders (the server decides; this only hides what it would refuse).
  const mayManageEmbeds = own || manageMessages;
  const error =
    editState.error ??
    threadState.error ??
    removeState.error ??
    addState.error ??
    removeReactionState.error ??
    pinState.error ??
    unpinState.error ??
    suppressState.error;

  function toggleReaction(unicode: string, mine: boolean) {
    const variables = { ...ids, emoji: { unicode } };
    void (mine ? removeReaction({ variables }) : addReaction({ variables })).catch(() => {});
  }

  function saveEdit(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Escape') setEditing(false);
    if (event.key !== 'Enter' || event.shiftKey) return;
    event.preventDefault();
    const content = event.currentTarget.value.trim();
    if (!content || content === message.content) return setEditing(false);
    void edit({ variables: { ...ids, content } })
      .then(() => setEditing(false))
      .catch(() => {});
  }

  function startThread(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Escape') setNaming(false);
    if (event.key !== 'Enter') return;
    event.preventDefault();
    const name = event.currentTarget.value.trim();
    if (!name || !guildId) return;
    void createThread({ variables: { channelId, name, messageId: message.id } })
      .then(({ data }) => {
        setNaming(false);
        if (data) void navigate(`/guilds/${guildId}/${channelId}/threads/${data.createThread.id}`);
      })
      .catch(() => {});
  }

  /** An attachment failed to load: its signed URL may have expired; read the message again (once a minute at most). */
  function refreshAttachmentUrls() {
    if (Date.now() - urlsReadAt.current < 60_000) return;
    urlsReadAt.current = Date.now();
    void gochat.apollo
      .query({
        query: MessagesByIdsDocument,
        variables: { channelId: message.channelId, ids: [message.id] },
        fetchPolicy: 'network-only',
      })
      .catch(() => {});
  }

  const time = new Date(message.createdAt);
  const thread = message.startedThread;
  // As the guild knows the author (a reply quotes that name too).
  const { name } = guildAuthor(message);
  return (
    <article aria-labelledby={authorId} className={`message${message.pinned ? ' pinned' : ''}`}>
      {message.replyTo && (
        <p className="reply-to">
          ↪{' '}
          {message.replyTo.message
            ? `${guildAuthor(message.replyTo.message).name}: ${message.replyTo.message.content}`
            : 'Original message was deleted'}
        </p>
      )}
      <header>
        <MessageAuthor message={message} avatarSize={24} id={authorId} />{' '}
        <time dateTime={message.createdAt}>
          {time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
        </time>
        {message.pinned && <span className="pin"> · pinned</span>}
      </header>
      {editing ? (
        <textarea aria-label="Edit message" defaultValue={message.content} autoFocus onKeyDown={saveEdit} />
      ) : message.content === '' &&
        (message.attachments.length > 0 || message.embeds.length > 0) &&
        !message.editedAt ? null : (
        <p className="content">
          {message.kind === 'GUILD_MEMBER_JOIN' ? (
            <em>joined the guild.</em>
          ) : (
            <MessageContent message={message} roleName={roleName} />
          )}
          {message.editedAt && (
            <button
              type="button"
              className="edited"
              aria-expanded={showHistory}
              onClick={() => setShowHistory((v) => !v)}
            >
              (edited)
            </button>
          )}
        </p>
      )}
      <Attachments attachments={message.attachments} onExpired={refreshAttachmentUrls} />
      <Embeds embeds={message.embeds} />
      {message.embedsSuppressed && mayManageEmbeds && <p className="hint">Link previews removed.</p>}
      {showHistory && <EditHistory channelId={channelId} messageId={message.id} />}
      {thread && guildId && (
        <p className="thread-link">
          <Link to={`/guilds/${guildId}/${channelId}/threads/${thread.id}`}>🧵 {thread.name}</Link>{' '}
          <span className="hint">{thread.memberCount} members</span>
        </p>
      )}
      {naming && (
        <label>
          Thread name
          <input autoFocus onKeyDown={startThread} />
        </label>
      )}
      {picking && (
        <div className="picker" role="group" aria-label="Reactions">
          {QUICK_REACTIONS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              aria-label={`React ${emoji}`}
              onClick={() => {
                setPicking(false);
                toggleReaction(emoji, Boolean(message.reactions.find((r) => r.emoji.unicode === emoji)?.me));
              }}
            >
              {emoji}
            </button>
          ))}
        </div>
      )}
      {message.reactions.length > 0 && (
        <div className="reactions">
          {message.reactions.map((reaction) => {
            const label = reaction.emoji.unicode ?? `:${reaction.emoji.emojiId}:`;
            return (
              <button
                key={label}
                type="button"
                aria-pressed={reaction.me}
                onClick={() => reaction.emoji.unicode && toggleReaction(reaction.emoji.unicode, reaction.me)}
              >
                {label} {reaction.count}
              </button>
            );
          })}
        </div>
      )}
      <div className="actions">
        <button type="button" onClick={() => onReply({ id: message.id, author: name })}>
          Reply
        </button>
        <button
          type="button"
          onClick={() =>
            toggleReaction(
              THUMBS_UP,
              Boolean(message.reactions.find((r) => r.emoji.unicode === THUMBS_UP)?.me),
            )
          }
        >
          React {THUMBS_UP}
        </button>
        <button type="button" aria-expanded={picking} onClick={() => setPicking((open) => !open)}>
          More reactions
        </button>
        {!inThread && !thread && guildId && (
          <button type="button" onClick={() => setNaming(true)}>
            Create thread
          </button>
        )}
        <button
          type="button"
          onClick={() =>
            void (message.pinned ? unpin({ variables: ids }) : pin({ variables: ids })).catch(() => {})
          }
        >
          {message.pinned ? 'Unpin' : 'Pin'}
        </button>
        {mayManageEmbeds && (message.embedsSuppressed || message.embeds.length > 0) && (
          <button
            type="button"
            onClick={() =>
              void suppressEmbeds({
                variables: { ...ids, suppressed: !message.embedsSuppressed },
              }).catch(() => {})
            }
          >
            {message.embedsSuppressed ? 'Show embeds' : 'Remove embeds'}
          </button>
        )}
        {own && (
          <>
            <button type="button" onClick={() => setEditing(true)}>
              Edit
            </button>
            <button type="button" onClick={() => void remove({ variables: ids }).catch(() => {})}>
              Delete
            </button>
          </>
        )}
      </div>
      <ErrorText error={error} />
    </article>
  );
});

/** One of the viewer's sends not confirmed yet: "sending", or refused with the reason and a retry. */
export function PendingMessageRow({ message }: { message: PendingMessage }) {
  const gochat = useGoChat();
  return (
    <article aria-label="You (pending)" className={`message pending ${message.state}`}>
      <p className="content">{message.content}</p>
      {message.state === 'sending' ? (
        <p className="hint">Sending…</p>
      ) : (
        <p role="alert" className="error">
          Not sent: {describeError(message.error)}{' '}
          <button type="button" onClick={() => void gochat.messages.retry(message.channelId, message.nonce)}>
            Retry
          </button>{' '}
          <button type="button" onClick={() => gochat.messages.discard(message.channelId, message.nonce)}>
            Discard
          </button>
        </p>
      )}
    </article>
  );
}
