import {
  createVerifiedUser,
  freePort,
  gqlOk,
  joinGuild,
  logMailbox,
  startGochat,
  waitForMetric,
  wsConnect,
  type GochatProcess,
  type TestUser,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

interface MemberView {
  guildId: string;
  userId: string;
  nickname: string | null;
  color: number | null;
  roleIds: string[];
}
interface MessageView {
  id: string;
  kind: string;
  author: { id: string };
  member: MemberView | null;
}

const doc = <T, V>(text: string) => parse(text) as unknown as TypedDocumentNode<T, V>;
const MEMBER = 'member { guildId userId nickname color roleIds }';
const HISTORY = doc<{ messages: MessageView[] }, { channelId: string }>(
  `query($channelId: ID!) { messages(channelId: $channelId, limit: 50) { id kind author { id } ${MEMBER} } }`,
);
const LIVE = doc<{ messageCreated: MessageView }, { channelId: string }>(
  `subscription($channelId: ID!) { messageCreated(channelId: $channelId) { id kind author { id } ${MEMBER} } }`,
);
const SEND = doc<{ sendMessage: { id: string } }, { channelId: string; content: string }>(
  `mutation($channelId: ID!, $content: String!) { sendMessage(channelId: $channelId, content: $content) { id } }`,
);
const CREATE_GUILD = doc<{ createGuild: { id: string; systemChannel: { id: string } } }, { name: string }>(
  `mutation($name: String!) { createGuild(input: { name: $name }) { id systemChannel { id } } }`,
);
const CREATE_ROLE = doc<{ createRole: { id: string } }, { guildId: string; name: string; color: number }>(
  `mutation($guildId: ID!, $name: String!, $color: Int!) { createRole(guildId: $guildId, input: { name: $name, color: $color }) { id } }`,
);
const ADD_ROLE = doc<unknown, { guildId: string; userId: string; roleId: string }>(
  `mutation($guildId: ID!, $userId: ID!, $roleId: ID!) { addMemberRole(guildId: $guildId, userId: $userId, roleId: $roleId) { userId } }`,
);
const NICKNAME = doc<unknown, { guildId: string; userId: string; nickname: string }>(
  `mutation($guildId: ID!, $userId: ID!, $nickname: String) { updateMember(guildId: $guildId, userId: $userId, input: { nickname: $nickname }) { userId } }`,
);
const KICK = doc<unknown, { guildId: string; userId: string }>(
  `mutation($guildId: ID!, $userId: ID!) { kickMember(guildId: $guildId, userId: $userId) }`,
);
const THREAD = doc<{ createThread: { id: string } }, { channelId: string; name: string }>(
  `mutation($channelId: ID!, $name: String!) { createThread(channelId: $channelId, name: $name) { id } }`,
);
const DM = doc<{ openDirectMessage: { id: string } }, { userId: string }>(
  `mutation($userId: ID!) { openDirectMessage(userId: $userId) { id } }`,
);

const RED = 0xe91e63;

/** Message.member through the router: the guilds subgraph's batch, in history pages and live payloads. */
describe('messages show their author as the guild knows them', () => {
  let gochat: GochatProcess;
  let alice: TestUser;
  let bob: TestUser;
  let guildId: string;
  let channelId: string;
  let red: string;
  let quiet: string;

  const as = <T, V>(user: TestUser, document: TypedDocumentNode<T, V>, variables: V) =>
    gqlOk(gochat.url, document, variables, user.jwt);
  const history = async (user: TestUser, container: string) =>
    (await as(user, HISTORY, { channelId: container })).messages;
  /** Alice's live messageCreated on the container, once the router holds it (each test ends its own). */
  async function subscribed(container: string) {
    await waitForMetric(gochat.url, 'gochat_router_active_subscriptions', (v) => v === 0);
    const ws = wsConnect(gochat.url, alice.jwt);
    const live = ws.subscribe(LIVE, { channelId: container });
    await waitForMetric(gochat.url, 'gochat_router_active_subscriptions', (v) => v >= 1);
    return { ws, live };
  }
  /** Bob's own messages (his join message is a system message, which has no member). */
  const bobsMessages = (page: MessageView[]) =>
    page.filter((m) => m.author.id === bob.id && m.kind === 'DEFAULT');

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    const mailbox = logMailbox(gochat);
    [alice, bob] = await Promise.all([
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Alice' }),
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Bob' }),
    ]);
    const { createGuild } = await as(alice, CREATE_GUILD, { name: 'Members' });
    guildId = createGuild.id;
    channelId = createGuild.systemChannel.id;
    await joinGuild(gochat.url, alice.jwt, guildId, bob.jwt);
    red = (await as(alice, CREATE_ROLE, { guildId, name: 'Red', color: RED })).createRole.id;
    // A role without a colour: whatever its rank, the name keeps Red's colour.
    quiet = (await as(alice, CREATE_ROLE, { guildId, name: 'Quiet', color: 0 })).createRole.id;
    for (const roleId of [red, quiet]) await as(alice, ADD_ROLE, { guildId, userId: bob.id, roleId });
    await as(alice, NICKNAME, { guildId, userId: bob.id, nickname: 'Bobby' });
  });

  afterAll(async () => {
    expect(await gochat.stop('SIGTERM')).toBe(0);
  });

  const bobby = (nickname: string) => ({
    guildId,
    userId: bob.id,
    nickname,
    color: RED,
    roleIds: expect.arrayContaining([red, quiet]) as unknown as string[],
  });

  it('history pages and live payloads carry nickname, roles and colour; renames show at once', async () => {
    const { ws, live } = await subscribed(channelId);
    const { sendMessage } = await as(bob, SEND, { channelId, content: 'hello' });
    await as(alice, SEND, { channelId, content: 'hi Bobby' });

    const [fromBob, fromAlice] = await live.waitForPayloads(2);
    expect(fromBob!.messageCreated).toMatchObject({ id: sendMessage.id, member: bobby('Bobby') });
    // The owner: no nickname, no roles, no colour.
    expect(fromAlice!.messageCreated.member).toEqual({
      guildId,
      userId: alice.id,
      nickname: null,
      color: null,
      roleIds: [],
    });
    await ws.dispose();

    const page = await history(alice, channelId);
    const bobs = bobsMessages(page);
    expect(bobs.length).toBeGreaterThan(0);
    for (const message of bobs) expect(message.member).toMatchObject(bobby('Bobby'));
    // His join message is a system message: no member.
    expect(page.find((m) => m.author.id === bob.id && m.kind === 'GUILD_MEMBER_JOIN')?.member).toBeNull();
    expect(page.find((m) => m.id === sendMessage.id)!.member).toMatchObject(bobby('Bobby'));

    // A member who changes nickname shows the new one on every message, old ones included.
    await as(alice, NICKNAME, { guildId, userId: bob.id, nickname: 'Robert' });
    const renamed = await history(bob, channelId);
    expect(renamed.find((m) => m.id === sendMessage.id)!.member).toMatchObject(bobby('Robert'));
  });

  it("in a thread, the parent channel's guild decides, live (a scoped hydration) and in history", async () => {
    const { createThread } = await as(alice, THREAD, { channelId, name: 'side talk' });
    const { ws, live } = await subscribed(createThread.id);
    const { sendMessage } = await as(bob, SEND, { channelId: createThread.id, content: 'in the thread' });
    const [payload] = await live.waitForPayloads(1);
    expect(payload!.messageCreated).toMatchObject({
      id: sendMessage.id,
      member: { guildId, userId: bob.id },
    });
    await ws.dispose();
    expect((await history(bob, createThread.id)).map((m) => m.member?.userId)).toEqual([bob.id]);
  });

  it('is null in DMs, live and in history', async () => {
    const { openDirectMessage } = await as(alice, DM, { userId: bob.id });
    const { ws, live } = await subscribed(openDirectMessage.id);
    const { sendMessage } = await as(bob, SEND, { channelId: openDirectMessage.id, content: 'psst' });
    const [payload] = await live.waitForPayloads(1);
    expect(payload!.messageCreated).toEqual({
      id: sendMessage.id,
      kind: 'DEFAULT',
      author: { id: bob.id },
      member: null,
    });
    await ws.dispose();
    expect(await history(alice, openDirectMessage.id)).toEqual([
      { id: sendMessage.id, kind: 'DEFAULT', author: { id: bob.id }, member: null },
    ]);
  });

  it('is null once the author has left the guild; the messages stay', async () => {
    await as(alice, KICK, { guildId, userId: bob.id });
    const page = await history(alice, channelId);
    const bobs = bobsMessages(page);
    expect(bobs.length).toBeGreaterThan(0);
    for (const message of bobs) expect(message.member).toBeNull();
    expect(page.find((m) => m.author.id === alice.id && m.kind === 'DEFAULT')!.member).toMatchObject({
      userId: alice.id,
    });
  });
});
