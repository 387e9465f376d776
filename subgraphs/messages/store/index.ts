import { createAccessStore } from '@gochat/channel-access';
import type { StoreDeps } from './deps.ts';
import { createMentionsStore } from './mentions.ts';
import { createMessageWritesStore } from './messages.ts';
import { createPinsStore } from './pins.ts';
import { createReactionsStore } from './reactions.ts';
import { createReadStatesStore } from './read-states.ts';
import { createThreadsStore } from './threads.ts';

export type { StoreDeps } from './deps.ts';

/** All of the messages subgraph's SQL, one module per area; the timeline port holds the message rows. */
export function createMessagesStores(deps: StoreDeps) {
  return {
    access: createAccessStore(deps.db),
    messages: createMessageWritesStore(deps),
    reactions: createReactionsStore(deps),
    pins: createPinsStore(deps),
    threads: createThreadsStore(deps),
    readStates: createReadStatesStore(deps),
    mentions: createMentionsStore(deps),
  };
}

export type MessagesStores = ReturnType<typeof createMessagesStores>;
