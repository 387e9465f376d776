import {
  ViewerFeedDocument,
  createVerifiedUser,
  waitForMetric,
  wsConnect,
  type Mailbox,
  type TestUser,
} from '@gochat/testkit';
import type { GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';

interface ExportedAccount {
  profile: { id: string; email: string; displayName: string };
  relationships: { userId: string; status: string }[];
}
interface ExportPage {
  nextBefore: string | null;
  messages: { id: string; channelId: string; content: string }[];
}

const EXPORT = `query($before: ID) {
  myDataExport { userId account messages(before: $before, limit: 100) { nextBefore messages { id channelId content } } }
}`;
const HISTORY = `query($c: ID!) {
  messages(channelId: $c, limit: 50) { id content author { id displayName handle deleted } }
}`;

/** A running GoChat: the router's URL, where its mails are read, and how it stops. */
export interface DeletionTarget {
  url: string;
  mailbox: Mailbox;
  stop(): Promise<void>;
}

/**
 * Account deletion through the router, as Discord does it (decision 0050): the password confirms,
 * the export first holds the user's own data, and afterwards the socket is closed, sign-in is over,
 * the guild lost the member (the guilds role reacted to UserDeleted) and its history shows
 * "Deleted User" as the author. Call inside a describe.
 */
export function accountDeletionScenario(start: () => Promise<DeletionTarget>) {
  let target: DeletionTarget;
  let url: string;
  let alice: TestUser;
  let bob: TestUser;
  let aliceHandle: string;
  let guildId: string;
  let channelId: string;
  const aliceSaid: string[] = [];
  const bobSaid: string[] = [];

  const gql = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: GraphQLFormattedError[];
    };
  };
  const ok = async <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
    token?: string,
  ) => {
    const result = await gql(query, variables, token);
    if (result.errors?.length || !result.data) throw new Error(JSON.stringify(result.errors));
    return result.data as T;
  };
  const codeOf = (result: { errors?: GraphQLFormattedError[] }) => result.errors?.[0]?.extensions?.code;
  const send = async (token: string, content: string) =>
    (
      await ok<{ sendMessage: { id: string } }>(
        'mutation($c: ID!, $t: String) { sendMessage(channelId: $c, content: $t) { id } }',
        { c: channelId, t: content },
        token,
      )
    ).sendMessage.id;

  beforeAll(async () => {
    target = await start();
    url = target.url;
    const { mailbox } = target;
    aliceHandle = `alice.${Date.now().toString(36)}`;
    const bobHandle = `bob.${Date.now().toString(36)}`;
    [alice, bob] = await Promise.all([
      createVerifiedUser(url, mailbox, { displayName: 'Alice', handle: aliceHandle }),
      createVerifiedUser(url, mailbox, { displayName: 'Bob', handle: bobHandle }),
    ]);

    // Bob owns a guild Alice joined; they are friends; both talk in its system channel.
    const { createGuild } = await ok<{ createGuild: { id: string; systemChannel: { id: string } } }>(
      'mutation { createGuild(input: { name: "Town" }) { id systemChannel { id } } }',
      {},
      bob.jwt,
    );
    guildId = createGuild.id;
    channelId = createGuild.systemChannel.id;
    const { createInvite } = await ok<{ createInvite: { code: string } }>(
      'mutation($g: ID!) { createInvite(guildId: $g, input: {}) { code } }',
      { g: guildId },
      bob.jwt,
    );
    await ok('mutation($c: String!) { acceptInvite(code: $c) { id } }', { c: createInvite.code }, alice.jwt);
    await ok(
      'mutation($h: String!) { sendFriendRequest(handle: $h) { status } }',
      { h: bobHandle },
      alice.jwt,
    );
    await ok('mutation($u: ID!) { acceptFriendRequest(userId: $u) { status } }', { u: alice.id }, bob.jwt);
    for (const n of [1, 2]) {
      aliceSaid.push(await send(alice.jwt, `alice says ${n}`));
      bobSaid.push(await send(bob.jwt, `bob says ${n}`));
    }
  });

  afterAll(async () => {
    await target?.stop();
  }, 60_000);

  it('refuses a wrong password with VALIDATION, and the account goes on', async () => {
    const refused = await gql(
      'mutation($p: String!) { deleteAccount(password: $p) }',
      { p: 'not it at all' },
      alice.jwt,
    );
    expect(codeOf(refused)).toBe('VALIDATION');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ field: 'password' });
    expect(await ok('{ me { id displayName deleted } }', {}, alice.jwt)).toEqual({
      me: { id: alice.id, displayName: 'Alice', deleted: false },
    });
  });

  it("exports the profile, the relationships and her own messages, nobody else's", async () => {
    const { myDataExport } = await ok<{
      myDataExport: { userId: string; account: string; messages: ExportPage };
    }>(EXPORT, {}, alice.jwt);
    expect(myDataExport.userId).toBe(alice.id);
    const account = JSON.parse(myDataExport.account) as ExportedAccount;
    expect(account.profile).toMatchObject({ id: alice.id, email: alice.email, displayName: 'Alice' });
    expect(account.relationships).toEqual([expect.objectContaining({ userId: bob.id, status: 'FRIEND' })]);
    expect(myDataExport.messages.nextBefore).toBeNull();
    expect(myDataExport.messages.messages.map((m) => m.id)).toEqual([...aliceSaid].reverse());
    expect(myDataExport.messages.messages.every((m) => m.content.startsWith('alice says'))).toBe(true);
    const text = JSON.stringify(myDataExport);
    for (const id of bobSaid) expect(text).not.toContain(id);
    expect(text).not.toContain(bob.email);
  });

  it('deletes with the password: her socket closes, she cannot sign in, the guild lost her, history says "Deleted User"', async () => {
    const ws = wsConnect(url, alice.jwt);
    ws.subscribe(ViewerFeedDocument, {});
    await waitForMetric(url, 'gochat_router_active_subscriptions', (v) => v >= 1, {}, 20_000);

    expect(
      await ok('mutation($p: String!) { deleteAccount(password: $p) }', { p: alice.password }, alice.jwt),
    ).toEqual({
      deleteAccount: true,
    });
    expect((await ws.waitForClose(20_000)).code).toBe(4410);

    // No way back in: the session is gone, the password and the e-mail are gone.
    expect(
      codeOf(
        await gql('mutation($t: String!) { refreshJwt(sessionToken: $t) { jwt } }', {
          t: alice.sessionToken,
        }),
      ),
    ).toBe('UNAUTHENTICATED');
    const signIn = await fetch(`${url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: alice.email, password: alice.password }),
    });
    expect(signIn.status).toBe(401);

    // The guilds role heard UserDeleted: she left the guild.
    await expect
      .poll(
        async () =>
          (
            await ok<{ guild: { memberCount: number } }>(
              'query($g: ID!) { guild(id: $g) { memberCount } }',
              { g: guildId },
              bob.jwt,
            )
          ).guild.memberCount,
        { timeout: 20_000, interval: 200 },
      )
      .toBe(1);

    // Her messages stay, written by "Deleted User"; Bob's are his.
    const { messages } = await ok<{
      messages: {
        id: string;
        author: { id: string; displayName: string; handle: string | null; deleted: boolean };
      }[];
    }>(HISTORY, { c: channelId }, bob.jwt);
    const byId = new Map(messages.map((m) => [m.id, m.author]));
    for (const id of aliceSaid)
      expect(byId.get(id)).toEqual({
        id: alice.id,
        displayName: 'Deleted User',
        handle: null,
        deleted: true,
      });
    for (const id of bobSaid)
      expect(byId.get(id)).toMatchObject({ id: bob.id, displayName: 'Bob', deleted: false });

    // Bob's friend list no longer holds her, and her old handle finds nobody.
    expect(await ok('{ relationships { user { id } } }', {}, bob.jwt)).toEqual({ relationships: [] });
    expect(
      await ok('query($h: String!) { userByHandle(handle: $h) { id } }', { h: aliceHandle }, bob.jwt),
    ).toEqual({
      userByHandle: null,
    });
  });
}
