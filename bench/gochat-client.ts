/**
 * The client side of bench/history.ts: a `gochat start` child process (the embedded monolith, or the
 * monolith on real servers), users signed up through it, and raw GraphQL over HTTP as a client sends it.
 */
import {
  CreateChannelDocument,
  CreateGuildDocument,
  createVerifiedUser,
  freePort,
  gqlOk,
  joinGuild,
  logMailbox,
  startGochat,
  type GochatProcess,
  signInSession,
} from '@gochat/testkit';

import { SECRETS } from '../e2e/support.ts';

export interface Account {
  id: string;
  email: string;
  password: string;
}

/** Starts the monolith with this environment on a free port; it migrates the database itself. */
export async function startMonolith(env: Record<string, string>): Promise<GochatProcess> {
  return startGochat({ env: { ...SECRETS, PORT: String(await freePort()), ...env }, timeoutMs: 120_000 });
}

/**
 * The owner of a new guild with one text channel, and `members` more accounts that joined it, all
 * signed up and verified through the router like real users.
 */
export async function createCommunity(
  gochat: GochatProcess,
  members: number,
): Promise<{ owner: Account; members: Account[]; guildId: string; channelId: string }> {
  const mailbox = logMailbox(gochat);
  const users = await Promise.all(
    Array.from({ length: members + 1 }, (_, i) =>
      createVerifiedUser(gochat.url, mailbox, { displayName: `Bench user ${i}` }),
    ),
  );
  const [owner, ...rest] = users;
  const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: 'Bench guild' }, owner!.jwt);
  const { createChannel } = await gqlOk(
    gochat.url,
    CreateChannelDocument,
    { guildId: createGuild.id, name: 'history' },
    owner!.jwt,
  );
  for (const member of rest) await joinGuild(gochat.url, owner!.jwt, createGuild.id, member.jwt);
  const account = (u: (typeof users)[number]) => ({ id: u.id, email: u.email, password: u.password });
  return {
    owner: account(owner!),
    members: rest.map(account),
    guildId: createGuild.id,
    channelId: createChannel.id,
  };
}

/** A fresh JWT for the account (after a restart, or when the last one may have expired). */
export async function signIn(url: string, account: Account): Promise<string> {
  const signIn = await signInSession(url, { email: account.email, password: account.password });
  return signIn.jwt;
}

interface Response<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/**
 * A prepared GraphQL operation: the query text is fixed, only the variables change per call, as in a
 * real client. Throws on any error so a benchmark never times failures.
 */
export function operation<T, V extends Record<string, unknown>>(
  url: string,
  query: string,
  jwt: string | undefined,
) {
  const endpoint = `${url}/graphql`;
  const headers = { 'content-type': 'application/json', ...(jwt ? { authorization: `Bearer ${jwt}` } : {}) };
  return async (variables: V): Promise<T> => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Response<T>;
    if (body.errors?.length || !body.data)
      throw new Error(`GraphQL failed (${response.status}): ${JSON.stringify(body.errors)}`);
    return body.data;
  };
}

/** A page of history with only what the messages subgraph resolves (the author's id is a key). */
export const HISTORY_PAGE = `query HistoryPage($channelId: ID!, $before: ID, $around: ID) {
  messages(channelId: $channelId, limit: 50, before: $before, around: $around) {
    id content createdAt editedAt author { id }
  }
}`;

/**
 * The same page as a chat client renders it: author names come from the accounts subgraph, and
 * nicknames and name colours (Message.member) from the guilds subgraph, one batch each.
 */
export const HISTORY_PAGE_WITH_AUTHORS = `query HistoryPageWithAuthors($channelId: ID!, $before: ID, $around: ID) {
  messages(channelId: $channelId, limit: 50, before: $before, around: $around) {
    id content createdAt editedAt author { id displayName } member { nickname color }
  }
}`;

export const SEND = `mutation BenchSend($channelId: ID!, $content: String!) {
  sendMessage(channelId: $channelId, content: $content) { id }
}`;

/** Answered by the router's gateway alone: the floor under any request (HTTP, JWT check, planning). */
export const TYPENAME = `query Floor { __typename }`;

/** The smallest operation that reaches a subgraph (accounts): the floor plus one hop. */
export const ME = `query Me { me { id } }`;

export interface PageData {
  messages: Array<{ id: string }>;
}
