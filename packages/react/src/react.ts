import { ApolloProvider, skipToken, useApolloClient } from '@apollo/client/react';
import { createContext, createElement, useContext, useSyncExternalStore, type ReactNode } from 'react';

import { UserFieldsFragmentDoc, type UserFieldsFragment } from './generated/graphql.ts';
import { useMemberPresenceSubscription } from './generated/hooks.ts';
import type { GoChat } from './gochat.ts';
import type { PendingMessage } from './message-writer.ts';
import type { ConnectionStatus, PresenceStatus } from './stores.ts';

const GoChatContext = createContext<GoChat | null>(null);

/** Gives every generated hook its Apollo client, and the hooks below their GoChat. */
export function GoChatProvider({ gochat, children }: { gochat: GoChat; children?: ReactNode }) {
  return createElement(
    GoChatContext.Provider,
    { value: gochat },
    createElement(ApolloProvider, { client: gochat.apollo, children }),
  );
}

export function useGoChat(): GoChat {
  const gochat = useContext(GoChatContext);
  if (!gochat) throw new Error('useGoChat needs a <GoChatProvider> above it');
  return gochat;
}

/** Whether a session is signed in; re-renders on sign-in, sign-out and a session ended by the server. */
export function useSignedIn(): boolean {
  const { session } = useGoChat();
  return useSyncExternalStore(session.subscribe, () => session.signedIn);
}

/** The realtime connection: for a "reconnecting" banner. */
export function useConnectionStatus(): ConnectionStatus {
  const { connection } = useGoChat();
  return useSyncExternalStore(connection.subscribe, connection.get);
}

/** Users typing in a channel now (the viewer excluded). */
export function useTypingUsers(channelId: string): string[] {
  const { typing } = useGoChat();
  const channels = useSyncExternalStore(typing.subscribe, typing.get);
  const users = channels.get(channelId);
  return users ? [...users.keys()] : EMPTY;
}

export function usePresence(userId: string): PresenceStatus {
  const { presence } = useGoChat();
  const statuses = useSyncExternalStore(presence.subscribe, presence.get);
  return statuses.get(userId) ?? 'offline';
}

/** The viewer's sends in a channel that are not confirmed yet or were refused, oldest first. */
export function usePendingMessages(channelId: string): readonly PendingMessage[] {
  const { messages } = useGoChat();
  return useSyncExternalStore(messages.subscribe, () => messages.pendingIn(channelId));
}

/** memberPresence takes at most this many users: the slice of a member list on screen. */
const MEMBER_PRESENCE_LIMIT = 100;

/**
 * Follows the presence of the guild members a screen shows (up to 100), the API's way for member
 * lists: the subscription starts with their current presence and then follows changes, so members
 * who joined after the viewer's feed started show as they are. usePresence() reads the result.
 */
export function useMemberPresence(guildId: string, userIds: readonly string[]): void {
  const { presence } = useGoChat();
  const ids = userIds.slice(0, MEMBER_PRESENCE_LIMIT);
  useMemberPresenceSubscription(
    ids.length
      ? {
          variables: { guildId, userIds: ids },
          ignoreResults: true,
          onData: ({ data }) => {
            const event = data.data?.memberPresence;
            if (event?.type !== 'PresenceUpdated') return;
            const { userId, status } = event.data as { userId: string; status: PresenceStatus };
            presence.update(userId, status);
          },
        }
      : skipToken,
  );
}

/** Display names of cached users (authors and members put them there); "Someone" for others. */
export function useDisplayNames(): (userId: string) => string {
  const { cache } = useApolloClient();
  return (userId) =>
    cache.readFragment<UserFieldsFragment>({
      id: cache.identify({ __typename: 'User', id: userId }),
      fragment: UserFieldsFragmentDoc,
      fragmentName: 'UserFields',
    })?.displayName ?? 'Someone';
}

const EMPTY: string[] = [];
