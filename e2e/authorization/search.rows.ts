import {
  SearchMessagesDocument,
  SearchMyMessagesDocument,
  gql,
  type SearchMessagesQueryVariables,
} from '@gochat/testkit';
import { expect } from 'vitest';

import {
  members,
  op,
  participants,
  permissioned,
  privateChannel,
  row,
  signedIn,
  type Expectation,
  type Rows,
} from './rows.ts';
import { ok, outcomeOf, type Caller, type World } from './world.ts';

/*
 * Search. A guild search never tells outsiders the guild exists (NOT_FOUND); within the guild, what a
 * caller finds follows VIEW_CHANNEL and READ_MESSAGE_HISTORY per channel. Rows that look for a
 * message count a caller who gets no error but does not find it as FORBIDDEN: hidden from them.
 */

/** Members of the guild; non-members are told it does not exist. */
const guildMembers: Expectation = { ...members, outsider: 'NOT_FOUND', banned: 'NOT_FOUND' };

/** Waits until the indexer has the message (the owner sees everything). */
async function indexed(w: World, variables: SearchMessagesQueryVariables, messageId: string) {
  await expect
    .poll(
      async () =>
        (await ok(w, 'owner', SearchMessagesDocument, variables)).searchMessages.results.map(
          (r) => r.message.id,
        ),
      { timeout: 20_000, interval: 100 },
    )
    .toContain(messageId);
}

/** OK when the caller's search finds the message, FORBIDDEN when it answers without it, else the error. */
async function finds(w: World, c: Caller, variables: SearchMessagesQueryVariables, messageId: string) {
  const result = await gql(w.url, SearchMessagesDocument, variables, w.jwt(c));
  const outcome = outcomeOf(result);
  if (outcome !== 'OK') return outcome;
  return result.data?.searchMessages.results.some((r) => r.message.id === messageId) ? 'OK' : 'FORBIDDEN';
}

/** A row: the caller searches with `variables` for `messageId`, once the owner finds it. */
const findRow = (
  expect: Expectation,
  variables: (w: World) => SearchMessagesQueryVariables,
  messageId: (w: World) => string,
) =>
  row({
    expect,
    setup: (w) => indexed(w, variables(w), messageId(w)),
    run: (w, c) => finds(w, c, variables(w), messageId(w)),
  });

export const searchRows: Rows = {
  'Query.searchMessages': findRow(
    guildMembers,
    (w) => ({ guildId: w.main.id, query: 'seed' }),
    (w) => w.main.messageId,
  ),
  'Query.searchMessages — guild-wide, a private channel’s message': findRow(
    { ...privateChannel, outsider: 'NOT_FOUND', banned: 'NOT_FOUND' },
    (w) => ({ guildId: w.main.id, query: 'hush' }),
    (w) => w.main.privateMessageId,
  ),
  'Query.searchMessages — one channel': op(members, SearchMessagesDocument, (w) => ({
    channelId: w.main.generalId,
    query: 'seed',
  })),
  'Query.searchMessages — private channel': op(privateChannel, SearchMessagesDocument, (w) => ({
    channelId: w.main.privateId,
    query: 'hush',
  })),
  // Viewable by every member, but READ_MESSAGE_HISTORY is denied to @everyone.
  'Query.searchMessages — restricted channel': op(permissioned, SearchMessagesDocument, (w) => ({
    channelId: w.main.restrictedId,
    query: 'anything',
  })),
  'Query.searchMessages — DM': findRow(
    participants,
    (w) => ({ channelId: w.main.dmId, query: 'psst' }),
    (w) => w.main.dmMessageId,
  ),
  'Query.searchMyMessages': op(signedIn, SearchMyMessagesDocument, () => ({ query: 'psst' })),
  'Query.searchMyMessages — finds the DM': row({
    expect: participants,
    setup: (w) => indexed(w, { channelId: w.main.dmId, query: 'psst' }, w.main.dmMessageId),
    run: async (w, c) => {
      const result = await gql(w.url, SearchMyMessagesDocument, { query: 'psst' }, w.jwt(c));
      const outcome = outcomeOf(result);
      if (outcome !== 'OK') return outcome;
      const found = result.data?.searchMyMessages.results.some((r) => r.message.id === w.main.dmMessageId);
      return found ? 'OK' : 'FORBIDDEN';
    },
  }),
};
