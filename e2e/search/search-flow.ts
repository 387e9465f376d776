import {
  AddMemberRoleDocument,
  AuthzDeleteChannelDocument,
  AuthzOpenDirectMessageDocument,
  CreateChannelDocument,
  CreateGuildDocument,
  CreateRoleDocument,
  gql,
  gqlOk,
  joinGuild,
  MakeChannelPrivateDocument,
  MsgCreateThreadDocument,
  MsgDeleteDocument,
  MsgEditDocument,
  MsgPinDocument,
  MsgSendDocument,
  SearchMessagesDocument,
  SearchMyMessagesDocument,
  SetChannelOverwriteDocument,
  type SearchMessagesQueryVariables,
  type TestUser,
} from '@gochat/testkit';
import { expect } from 'vitest';

export interface SearchUser extends TestUser {
  handle: string;
}

export interface SearchWorld {
  url: string;
  alice: SearchUser;
  bob: SearchUser;
  carol: SearchUser;
}

/** Enough for a loaded 2-core machine: freshness is measured by bench:search, not here. */
export const INDEXED_WITHIN_MS = 20_000;

const VIEW_CHANNEL = String(1n << 10n);

/** The ids a search returns for `user`. */
export async function searchIds(world: SearchWorld, user: TestUser, variables: SearchMessagesQueryVariables) {
  const { searchMessages } = await gqlOk(world.url, SearchMessagesDocument, variables, user.jwt);
  return searchMessages.results.map((r) => r.message.id);
}

/** Waits until the search returns exactly these ids (in order), as the indexer catches up. */
export async function expectSearch(
  world: SearchWorld,
  user: TestUser,
  variables: SearchMessagesQueryVariables,
  ids: string[],
) {
  await expect
    .poll(() => searchIds(world, user, variables), { timeout: INDEXED_WITHIN_MS, interval: 100 })
    .toEqual(ids);
}

const send = async (world: SearchWorld, user: TestUser, channelId: string, content: string) =>
  (await gqlOk(world.url, MsgSendDocument, { channelId, content }, user.jwt)).sendMessage.id;

/**
 * A guild with two open channels and a private one: a member finds messages across the channels they
 * can read, never in the private one until a role grants it, and at once when it does; an edit and a
 * delete show in results; Discord's syntax narrows by author, channel, link and pin.
 */
export async function guildSearchEndToEnd(world: SearchWorld) {
  const { url, alice, bob } = world;
  const word = `zebra${Date.now().toString(36)}`;
  const { createGuild: guild } = await gqlOk(url, CreateGuildDocument, { name: 'Search guild' }, alice.jwt);
  const channel = async (name: string) =>
    (await gqlOk(url, CreateChannelDocument, { guildId: guild.id, name }, alice.jwt)).createChannel.id;
  const [general, random, secret] = [
    await channel('general'),
    await channel('random'),
    await channel('secret'),
  ];
  await gqlOk(url, MakeChannelPrivateDocument, { id: secret }, alice.jwt);
  await joinGuild(url, alice.jwt, guild.id, bob.jwt);

  const inGeneral = await send(world, alice, general, `the ${word} crossed the road`);
  const inRandom = await send(
    world,
    bob,
    random,
    `a ${word.toUpperCase()} with a link https://example.com/${word}`,
  );
  const inSecret = await send(world, alice, secret, `secret ${word} plans`);
  const { createThread } = await gqlOk(
    url,
    MsgCreateThreadDocument,
    { channelId: general, name: 'side' },
    alice.jwt,
  );
  const inThread = await send(world, alice, createThread.id, `threaded ${word}`);
  const q = { guildId: guild.id, query: word };

  // Alice reads everything; Bob, a member, not the private channel.
  await expectSearch(world, alice, q, [inThread, inSecret, inRandom, inGeneral]);
  expect(await searchIds(world, bob, q)).toEqual([inThread, inRandom, inGeneral]);

  // A role that grants the private channel shows its messages at once: no reindex.
  const { createRole } = await gqlOk(
    url,
    CreateRoleDocument,
    { guildId: guild.id, input: { name: 'insiders' } },
    alice.jwt,
  );
  await gqlOk(
    url,
    SetChannelOverwriteDocument,
    {
      channelId: secret,
      input: { targetType: 'ROLE', targetId: createRole.id, allow: VIEW_CHANNEL, deny: '0' },
    },
    alice.jwt,
  );
  expect(await searchIds(world, bob, q)).toEqual([inThread, inRandom, inGeneral]);
  await gqlOk(
    url,
    AddMemberRoleDocument,
    { guildId: guild.id, userId: bob.id, roleId: createRole.id },
    alice.jwt,
  );
  expect(await searchIds(world, bob, q)).toEqual([inThread, inSecret, inRandom, inGeneral]);

  // Discord's syntax, parsed into the same filters.
  expect(await searchIds(world, alice, { ...q, query: `${word} from:${bob.handle}` })).toEqual([inRandom]);
  expect(await searchIds(world, alice, { ...q, query: `${word} has:link` })).toEqual([inRandom]);
  expect(await searchIds(world, alice, { ...q, query: `${word} in:#general` })).toEqual([
    inThread,
    inGeneral,
  ]);
  expect(
    await searchIds(world, alice, { ...q, query: `${word} -crossed`, filters: { inThread: false } }),
  ).toEqual([inSecret, inRandom]);
  expect(await searchIds(world, alice, { ...q, query: `"${word} crossed"` })).toEqual([inGeneral]);
  expect(await searchIds(world, alice, { channelId: createThread.id, query: word })).toEqual([inThread]);

  // Highlights mark the word; results are whole messages as history gives them.
  const { searchMessages } = await gqlOk(
    url,
    SearchMessagesDocument,
    { ...q, query: `${word} road` },
    bob.jwt,
  );
  const [hit] = searchMessages.results;
  expect(hit?.message.content).toBe(`the ${word} crossed the road`);
  expect(hit?.message.author.id).toBe(alice.id);
  const marked = hit!.highlights.flatMap((h) => h.ranges.map(([s, e]) => h.text.slice(s, e).toLowerCase()));
  expect(marked).toEqual(expect.arrayContaining([word, 'road']));

  // Pinned, edited, deleted: each shows in results once indexed.
  await gqlOk(url, MsgPinDocument, { channelId: random, messageId: inRandom }, alice.jwt);
  await expectSearch(world, alice, { ...q, query: `${word} pinned:true` }, [inRandom]);
  await gqlOk(
    url,
    MsgEditDocument,
    { channelId: general, messageId: inGeneral, content: `renamed ${word}x okapi` },
    alice.jwt,
  );
  await expectSearch(world, alice, { guildId: guild.id, query: 'okapi' }, [inGeneral]);
  expect(await searchIds(world, alice, { ...q, query: `${word} crossed` })).toEqual([]);
  await gqlOk(url, MsgDeleteDocument, { channelId: random, messageId: inRandom }, bob.jwt);
  // Gone from results at once, even before the indexer has removed it.
  expect(await searchIds(world, alice, q)).toEqual([inThread, inSecret]);
  await expectSearch(world, alice, q, [inThread, inSecret]);

  // A deleted channel's messages go with it.
  await gqlOk(url, AuthzDeleteChannelDocument, { id: secret }, alice.jwt);
  await expectSearch(world, alice, q, [inThread]);
  return { guildId: guild.id, general };
}

/** DMs: only their participants find them, in searchMyMessages and by channel. */
export async function directSearchEndToEnd(world: SearchWorld) {
  const { url, alice, bob, carol } = world;
  const word = `quokka${Date.now().toString(36)}`;
  const { openDirectMessage } = await gqlOk(
    url,
    AuthzOpenDirectMessageDocument,
    { userId: bob.id },
    alice.jwt,
  );
  const id = await send(world, alice, openDirectMessage.id, `just us ${word}`);
  const mine = async (user: TestUser) =>
    (await gqlOk(url, SearchMyMessagesDocument, { query: word }, user.jwt)).searchMyMessages.results.map(
      (r) => r.message.id,
    );
  await expect.poll(() => mine(bob), { timeout: INDEXED_WITHIN_MS, interval: 100 }).toEqual([id]);
  expect(await mine(alice)).toEqual([id]);
  expect(await mine(carol)).toEqual([]);
  expect(await searchIds(world, alice, { channelId: openDirectMessage.id, query: word })).toEqual([id]);
  const refused = await gql(
    url,
    SearchMessagesDocument,
    { channelId: openDirectMessage.id, query: word },
    carol.jwt,
  );
  expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
}

/** Bad input: each a typed error or an empty result, never a 500 or a leak. */
export async function badSearchInput(world: SearchWorld, guildId: string, foreignChannel: string) {
  const { url, alice } = world;
  const code = async (variables: SearchMessagesQueryVariables) => {
    const result = await gql(url, SearchMessagesDocument, variables, alice.jwt);
    expect(result.status).toBeLessThan(500);
    return result.errors?.[0]?.extensions?.code ?? (result.data ? 'OK' : 'NONE');
  };
  const g = { guildId };
  expect(await code({ ...g, query: '' })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'x'.repeat(1000) })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'the of and a' })).toBe('OK');
  expect(await code({ ...g, query: `${'a*'.repeat(30)}b` })).toBe('OK');
  expect(await code({ ...g, query: 'a'.repeat(400) })).toBe('VALIDATION');
  expect(await code({ ...g, query: '"unbalanced quote' })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'foo:bar' })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'x before:1999-01-01' })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'x during:2026-02-30' })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'x from:nobody-at-all-here' })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'x', filters: { channelIds: [foreignChannel] } })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'x', limit: 0 })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'x', limit: 101 })).toBe('VALIDATION');
  expect(await code({ ...g, query: 'x', after: 'forged' })).toBe('VALIDATION');
  const forged = Buffer.from(JSON.stringify({ v: 1, s: 'newest', id: '-1' })).toString('base64url');
  expect(await code({ ...g, query: 'x', after: forged })).toBe('VALIDATION');
  expect(await code({ query: 'x' })).toBe('VALIDATION');
  expect(await code({ ...g, channelId: foreignChannel, query: 'x' })).toBe('VALIDATION');
  expect(await code({ guildId: 'abc', query: 'x' })).toBe('VALIDATION');
  // A guild the caller is not in is not found, whether or not it exists.
  expect(await code({ guildId: '1', query: 'x' })).toBe('NOT_FOUND');
  const malformed = await gql(url, SearchMessagesDocument, { ...g, query: 'ok has:gifs' }, alice.jwt);
  // The error points at the token: its text and [start, end) in the query.
  expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'query' });
  const { token, start, end } = malformed.errors![0]!.extensions as {
    token: string;
    start: number;
    end: number;
  };
  expect('ok has:gifs'.slice(start, end)).toBe(token);
  expect(token).toContain('gifs');
}
