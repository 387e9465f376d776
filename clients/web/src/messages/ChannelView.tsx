import { useAckMessageMutation, useGoChat, useMessagesQuery } from '@gochat/react';
import { useEffect, useRef, useState, type ReactNode } from 'react';

import { ErrorText } from '../errors.tsx';
import { hasPermission, MANAGE_MESSAGES } from '../media/format.ts';
import { ChannelNotifications } from '../settings/ChannelNotifications.tsx';
import { Composer } from './Composer.tsx';
import type { MessageFocus } from './focus.ts';
import { MessageList } from './MessageList.tsx';
import { PinsPanel } from './PinsPanel.tsx';
import { SeenBy } from './SeenBy.tsx';
import { ThreadsPanel } from './ThreadsPanel.tsx';
import { TypingIndicator } from './TypingIndicator.tsx';

const PAGE = 50;
/** The most messages kept in the cached history of a channel: five pages. */
const WINDOW = 250;

/**
 * One channel or thread: its history (older pages on scroll), live messages, typing, "seen by" and
 * the composer; in a channel also its pins and threads. With `focus`, the history shows that message
 * highlighted, read around it when it is not in the loaded pages.
 */
export function ChannelView({
  channelId,
  guildId,
  name,
  isThread = false,
  isDirect = false,
  roleName,
  focus = null,
  search,
  onClose,
  permissions = null,
}: {
  channelId: string;
  guildId: string | null;
  name: string;
  isThread?: boolean;
  /** A DM or group DM: named after people, no pins or threads panels. */
  isDirect?: boolean;
  roleName?: (roleId: string) => string | undefined;
  focus?: MessageFocus | null;
  /** The search box, in the header. */
  search?: ReactNode;
  onClose?: () => void;
  /** The viewer's permissions in the channel (a thread's: its parent's), a decimal bitfield. */
  permissions?: string | null;
}) {
  const { viewerId, messages: writer } = useGoChat();
  const { data, error } = useMessagesQuery({ variables: { channelId, limit: PAGE } });
  const [olderDone, setOlderDone] = useState(false);
  /** After a jump: whether older messages than the page read around the message are left to read. */
  const [olderAfterJump, setOlderAfterJump] = useState(false);
  const [jumpError, setJumpError] = useState<unknown>(null);
  const jumped = useRef<string | null>(null);
  const requested = useRef<string | null>(null);
  const [panel, setPanel] = useState<'pins' | 'threads' | null>(null);
  const [replyTo, setReplyTo] = useState<{ id: string; author: string } | null>(null);
  const [ack] = useAckMessageMutation();
  const messages = data?.messages ?? [];
  const newest = messages.at(-1);
  const lastOwn = messages.findLast((m) => m.author.id === viewerId);

  // Reading the channel acknowledges its newest message, so badges clear here and on other devices.
  useEffect(() => {
    // Only at the end of the history: acknowledging an older message would move the position back.
    if (newest && writer.atLatest(channelId) && document.visibilityState === 'visible')
      void ack({ variables: { channelId, messageId: newest.id } }).catch(() => {});
  }, [ack, channelId, newest, writer]);

  // A message to show that is not in the loaded history: read the page around it instead (once the
  // first page is in, so that page cannot land after it). The list scrolls to it (MessageList).
  const focusId = focus?.id;
  const loaded = data !== undefined;
  const focusLoaded = !!focusId && messages.some((m) => m.id === focusId);
  useEffect(() => {
    if (!focusId || !loaded || focusLoaded || jumped.current === focusId) return;
    jumped.current = focusId;
    setJumpError(null);
    writer
      .jumpTo(channelId, focusId, PAGE)
      .then((page) => {
        requested.current = null;
        setOlderDone(page.olderDone);
        setOlderAfterJump(!page.olderDone);
        if (!page.found) setJumpError(new Error('That message is no longer here.'));
      })
      .catch((error: unknown) => {
        jumped.current = null;
        setJumpError(error);
      });
  }, [channelId, focusId, loaded, focusLoaded, writer]);

  /** Scroll events keep coming while a page loads: ask once per edge message, again after a failure. */
  async function once<T>(edge: string, load: () => Promise<T>): Promise<T | undefined> {
    if (requested.current === edge) return undefined;
    requested.current = edge;
    return load().catch((error: unknown) => {
      requested.current = null;
      throw error;
    });
  }

  async function loadOlder() {
    const oldest = messages[0]?.id;
    if (!oldest || olderDone) return;
    const added = await once(oldest, () => writer.loadOlder(channelId, oldest, PAGE, WINDOW));
    if (added !== undefined && added < PAGE) setOlderDone(true);
  }

  async function loadNewer() {
    const newestId = messages.at(-1)?.id;
    if (!newestId || writer.atLatest(channelId)) return;
    const page = await once(newestId, () => writer.loadNewer(channelId, newestId, PAGE, WINDOW));
    if (page?.trimmed) setOlderDone(false);
  }

  const toggle = (which: 'pins' | 'threads') => setPanel((open) => (open === which ? null : which));
  return (
    <main
      className={isThread ? 'channel thread' : 'channel'}
      aria-label={isThread ? `Thread ${name}` : isDirect ? `Conversation with ${name}` : `Channel ${name}`}
    >
      <header>
        <h1>{isThread ? `🧵 ${name}` : isDirect ? `@ ${name}` : `# ${name}`}</h1>
        {search}
        <ChannelNotifications channelId={channelId} />
        {!isThread && !isDirect && (
          <>
            <button type="button" aria-pressed={panel === 'pins'} onClick={() => toggle('pins')}>
              Pinned messages
            </button>
            <button type="button" aria-pressed={panel === 'threads'} onClick={() => toggle('threads')}>
              Threads
            </button>
          </>
        )}
        {onClose && (
          <button type="button" onClick={onClose}>
            Close thread
          </button>
        )}
      </header>
      {panel === 'pins' && <PinsPanel channelId={channelId} />}
      {panel === 'threads' && guildId && <ThreadsPanel guildId={guildId} channelId={channelId} />}
      <ErrorText error={error ?? jumpError} />
      <MessageList
        channelId={channelId}
        guildId={guildId}
        inThread={isThread}
        messages={messages}
        loading={!data}
        hasOlder={!olderDone && (messages.length >= PAGE || olderAfterJump)}
        loadOlder={loadOlder}
        atLatest={writer.atLatest(channelId)}
        loadNewer={loadNewer}
        onReply={setReplyTo}
        roleName={roleName}
        focus={focus}
        manageMessages={hasPermission(permissions, MANAGE_MESSAGES)}
      />
      {lastOwn && viewerId && lastOwn === newest && (
        <SeenBy channelId={channelId} messageId={lastOwn.id} viewerId={viewerId} />
      )}
      <TypingIndicator channelId={channelId} />
      <Composer
        channelId={channelId}
        guildId={guildId}
        name={name}
        replyTo={replyTo}
        clearReply={() => setReplyTo(null)}
      />
    </main>
  );
}
