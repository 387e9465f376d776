import fs from 'node:fs';

import {
  AddGuildMemberDocument,
  ChannelDocument,
  ChannelMessagesDocument,
  CreateChannelDocument,
  CreateGuildDocument,
  GuildDocument,
  MeDocument,
  MessageByIdDocument,
  MessageCreatedDocument,
  MyGuildsDocument,
  RefreshJwtDocument,
  RequestPasswordResetDocument,
  ResendVerificationEmailDocument,
  ResetPasswordDocument,
  SendMessageDocument,
  SignInDocument,
  SignOutDocument,
  SignUpDocument,
  UpdateProfileDocument,
  UserByHandleDocument,
  UserByIdDocument,
  VerifyEmailDocument,
  createVerifiedUser,
  freePort,
  gql,
  gqlOk,
  logMailbox,
  startGochat,
  waitForMetric,
  wsConnect,
  type GochatProcess,
  type GraphqlResponse,
  type TestUser,
} from '@gochat/testkit';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

const CALLERS = ['anonymous', 'outsider', 'member', 'owner'] as const;
type Caller = (typeof CALLERS)[number];
type Outcome = string; // 'OK' or an error code

interface World {
  url: string;
  users: Record<Exclude<Caller, 'anonymous'>, TestUser>;
  guildId: string;
  channelId: string;
  messageId: string;
  jwt(caller: Caller): string | undefined;
}

const outcomeOf = (result: GraphqlResponse<unknown>): Outcome =>
  (result.errors?.[0]?.extensions?.code as string | undefined) ?? (result.data ? 'OK' : 'NO_DATA');

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

const everyone = (outcome: Outcome): Record<Caller, Outcome> => ({
  anonymous: outcome,
  outsider: outcome,
  member: outcome,
  owner: outcome,
});
const signedIn: Record<Caller, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  outsider: 'OK',
  member: 'OK',
  owner: 'OK',
};
const members: Record<Caller, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  outsider: 'FORBIDDEN',
  member: 'OK',
  owner: 'OK',
};
const ownerOnly: Record<Caller, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  outsider: 'FORBIDDEN',
  member: 'FORBIDDEN',
  owner: 'OK',
};

/** One row per operation in the API schema: who may run it, and what everyone else gets. */
const MATRIX: Record<
  string,
  { expect: Record<Caller, Outcome>; run: (w: World, c: Caller) => Promise<Outcome> }
> = {
  'Query.me': {
    expect: signedIn,
    run: async (w, c) => outcomeOf(await gql(w.url, MeDocument, {}, w.jwt(c))),
  },
  'Query.user': {
    expect: signedIn,
    run: async (w, c) => outcomeOf(await gql(w.url, UserByIdDocument, { id: w.users.owner.id }, w.jwt(c))),
  },
  'Query.userByHandle': {
    expect: signedIn,
    run: async (w, c) =>
      outcomeOf(await gql(w.url, UserByHandleDocument, { handle: 'nobody_here' }, w.jwt(c))),
  },
  'Query.guild': {
    expect: members,
    run: async (w, c) => outcomeOf(await gql(w.url, GuildDocument, { id: w.guildId }, w.jwt(c))),
  },
  'Query.channel': {
    expect: members,
    run: async (w, c) => outcomeOf(await gql(w.url, ChannelDocument, { id: w.channelId }, w.jwt(c))),
  },
  'Query.myGuilds': {
    expect: signedIn,
    run: async (w, c) => outcomeOf(await gql(w.url, MyGuildsDocument, {}, w.jwt(c))),
  },
  'Query.message': {
    expect: members,
    run: async (w, c) => outcomeOf(await gql(w.url, MessageByIdDocument, { id: w.messageId }, w.jwt(c))),
  },
  'Query.messages': {
    expect: members,
    run: async (w, c) =>
      outcomeOf(await gql(w.url, ChannelMessagesDocument, { channelId: w.channelId }, w.jwt(c))),
  },
  'Mutation.signUp': {
    expect: everyone('OK'),
    run: async (w, c) =>
      outcomeOf(
        await gql(
          w.url,
          SignUpDocument,
          { input: { email: `authz-${unique()}@example.test`, password: 'long enough', displayName: 'A' } },
          w.jwt(c),
        ),
      ),
  },
  'Mutation.resendVerificationEmail': {
    expect: everyone('OK'),
    run: async (w, c) =>
      outcomeOf(
        await gql(w.url, ResendVerificationEmailDocument, { email: `x-${unique()}@example.test` }, w.jwt(c)),
      ),
  },
  // Reachable by anyone: the token is the credential, so a bogus one is refused on its own merits.
  'Mutation.verifyEmail': {
    expect: everyone('INVALID_TOKEN'),
    run: async (w, c) => outcomeOf(await gql(w.url, VerifyEmailDocument, { token: 'bogus' }, w.jwt(c))),
  },
  'Mutation.signIn': {
    expect: everyone('OK'),
    run: async (w, c) =>
      outcomeOf(
        await gql(
          w.url,
          SignInDocument,
          { input: { email: w.users.member.email, password: w.users.member.password } },
          w.jwt(c),
        ),
      ),
  },
  'Mutation.refreshJwt': {
    expect: { anonymous: 'UNAUTHENTICATED', outsider: 'OK', member: 'OK', owner: 'OK' },
    run: async (w, c) =>
      outcomeOf(
        await gql(w.url, RefreshJwtDocument, {
          sessionToken: c === 'anonymous' ? 'no-session' : w.users[c].sessionToken,
        }),
      ),
  },
  'Mutation.signOut': {
    expect: signedIn,
    run: async (w, c) => {
      if (c === 'anonymous') return outcomeOf(await gql(w.url, SignOutDocument, {}));
      // A throwaway session, so the caller's main one survives for the other rows.
      const { signIn } = await gqlOk(w.url, SignInDocument, {
        input: { email: w.users[c].email, password: w.users[c].password },
      });
      return outcomeOf(await gql(w.url, SignOutDocument, {}, signIn.jwt));
    },
  },
  'Mutation.requestPasswordReset': {
    expect: everyone('OK'),
    run: async (w, c) =>
      outcomeOf(
        await gql(w.url, RequestPasswordResetDocument, { email: `x-${unique()}@example.test` }, w.jwt(c)),
      ),
  },
  'Mutation.resetPassword': {
    expect: everyone('INVALID_TOKEN'),
    run: async (w, c) =>
      outcomeOf(
        await gql(w.url, ResetPasswordDocument, { token: 'bogus', newPassword: 'long enough' }, w.jwt(c)),
      ),
  },
  'Mutation.updateProfile': {
    expect: signedIn,
    run: async (w, c) =>
      outcomeOf(
        await gql(w.url, UpdateProfileDocument, { input: { displayName: `Renamed ${c}` } }, w.jwt(c)),
      ),
  },
  'Mutation.createGuild': {
    expect: signedIn,
    run: async (w, c) =>
      outcomeOf(await gql(w.url, CreateGuildDocument, { name: `Guild of ${c}` }, w.jwt(c))),
  },
  'Mutation.createChannel': {
    expect: ownerOnly,
    run: async (w, c) =>
      outcomeOf(await gql(w.url, CreateChannelDocument, { guildId: w.guildId, name: `by-${c}` }, w.jwt(c))),
  },
  'Mutation.addGuildMember': {
    expect: ownerOnly,
    run: async (w, c) =>
      outcomeOf(
        await gql(w.url, AddGuildMemberDocument, { guildId: w.guildId, userId: w.users.member.id }, w.jwt(c)),
      ),
  },
  'Mutation.sendMessage': {
    expect: members,
    run: async (w, c) =>
      outcomeOf(
        await gql(w.url, SendMessageDocument, { channelId: w.channelId, content: `from ${c}` }, w.jwt(c)),
      ),
  },
  'Subscription.messageCreated': {
    expect: members,
    run: async (w, c) => {
      const ws = wsConnect(w.url, w.jwt(c));
      try {
        const live = ws.subscribe(MessageCreatedDocument, { channelId: w.channelId });
        const refused = await Promise.race([
          ws.waitForClose(5_000).then(() => 'closed'),
          live.firstError(5_000).then((errors) => String(errors[0]?.extensions?.code)),
          waitForMetric(w.url, 'gochat_router_active_subscriptions', (v) => v >= 1, {}, 5_000).then(
            () => undefined,
          ),
        ]);
        // A refused connection also fails its subscription; the close code is the answer then.
        const close = ws.closes[0];
        if (close) return close.code === 4401 ? 'UNAUTHENTICATED' : `CLOSED_${close.code}`;
        if (refused) return refused;
        const sent = await gqlOk(
          w.url,
          SendMessageDocument,
          { channelId: w.channelId, content: `to ${c}` },
          w.jwt('owner'),
        );
        const [payload] = await live.waitForPayloads(1);
        return payload?.messageCreated.id === sent.sendMessage.id ? 'OK' : 'WRONG_PAYLOAD';
      } finally {
        await ws.dispose();
        await waitForMetric(w.url, 'gochat_router_active_subscriptions', (v) => v === 0);
      }
    },
  },
};

describe('authorization matrix, through the router (embedded)', () => {
  let gochat: GochatProcess;
  const world = {} as World;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    const mailbox = logMailbox(gochat);
    const [owner, member, outsider] = await Promise.all([
      createVerifiedUser(gochat.url, mailbox),
      createVerifiedUser(gochat.url, mailbox),
      createVerifiedUser(gochat.url, mailbox),
    ]);
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: 'Matrix' }, owner.jwt);
    await gqlOk(
      gochat.url,
      AddGuildMemberDocument,
      { guildId: createGuild.id, userId: member.id },
      owner.jwt,
    );
    const channelId = createGuild.systemChannel!.id;
    const { sendMessage } = await gqlOk(
      gochat.url,
      SendMessageDocument,
      { channelId, content: 'seed' },
      owner.jwt,
    );
    Object.assign(world, {
      url: gochat.url,
      users: { owner, member, outsider },
      guildId: createGuild.id,
      channelId,
      messageId: sendMessage.id,
      jwt: (caller: Caller) => (caller === 'anonymous' ? undefined : world.users[caller].jwt),
    });
  });

  afterAll(async () => {
    expect(await gochat.stop()).toBe(0);
  });

  it('has a row for every operation in the API schema', () => {
    const schema = buildSchema(
      fs.readFileSync(new URL('../supergraph/api-schema.graphql', import.meta.url), 'utf8'),
    );
    const operations = [
      schema.getQueryType(),
      schema.getMutationType(),
      schema.getSubscriptionType(),
    ].flatMap((type) => (type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : []));
    expect(Object.keys(MATRIX).sort()).toEqual(operations.sort());
  });

  for (const [operation, row] of Object.entries(MATRIX))
    it(`${operation}: ${CALLERS.map((c) => `${c} ${row.expect[c]}`).join(', ')}`, async () => {
      const outcomes: Record<string, Outcome> = {};
      for (const caller of CALLERS) outcomes[caller] = await row.run(world, caller);
      expect(outcomes).toEqual(row.expect);
    });
});
