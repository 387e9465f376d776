import { useAckMessageMutation, useGoChat, useMessagesQuery } from '@gochat/react';
import { useEffect, useRef, useState } from 'react';

import { ErrorText } from '../errors.tsx';
import { Composer } from './Composer.tsx';
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
 * the composer; in a channel also its pins and threads.
 */
export function ChannelView({
  channelId,
  guildId,
  name,
  isThread = false,
  isDirect = false,
  roleName,
  onClose,
}: {
  channelId: string;
  guildId: string | null;
  name: string;
  isThread?: boolean;
  /** A DM or group DM: named after people, no pins or threads panels. */
  isDirect?: boolean;
  roleName?: (roleId: string) => string | undefined;
  onClose?: () => void;
}) {
  const { viewerId, messages: writer } = useGoChat();
  const { data, error } = useMessagesQuery({ variables: { channelId, limit: PAGE } });
  const [olderDone, setOlderDone] = useState(false);
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
      <ErrorText error={error} />
      <MessageList
        channelId={channelId}
        guildId={guildId}
        inThread={isThread}
        messages={messages}
        loading={!data}
        hasOlder={!olderDone && messages.length >= PAGE}
        loadOlder={loadOlder}
        atLatest={writer.atLatest(channelId)}
        loadNewer={loadNewer}
        onReply={setReplyTo}
        roleName={roleName}
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
