import {
  gql,
  gqlOk,
  waitForMetric,
  type GraphqlResponse,
  type LiveSubscription,
  type TestUser,
  type WsConnection,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/**
 * The world of the authorization matrix (e2e/authorization.e2e.ts): who the callers are, the world
 * the rows act in (people, and the main guild in which each caller kind stands where its name says;
 * fixtures.ts builds them), and how a call's outcome is read.
 */

/** Every kind of caller the issue names, weakest first. */
export const CALLERS = [
  'anonymous', // no JWT
  'outsider', // signed in, not a member
  'banned', // was a member, then banned
  'member', // only @everyone
  'permitted', // the Manager role: every permission but ADMINISTRATOR, above the targets
  'lower', // the Lower role: the same permissions, below the targets
  'higher', // the Senior role: the same permissions, above the targets (and above Manager)
  'admin', // the Admin role: ADMINISTRATOR, above everything else
  'owner', // owns the guild
] as const;
export type Caller = (typeof CALLERS)[number];
export type Person = Exclude<Caller, 'anonymous'>;
export const PEOPLE = CALLERS.filter((c): c is Person => c !== 'anonymous');

/** 'OK' or the error code the caller got. */
export type Outcome = string;

/** Permission bits, as the API's Permission enum documents them. */
const bit = (n: number) => 1n << BigInt(n);
export const BITS = {
  CREATE_INVITE: bit(0),
  ADMINISTRATOR: bit(3),
  ADD_REACTIONS: bit(6),
  STREAM: bit(9),
  VIEW_CHANNEL: bit(10),
  SEND_MESSAGES: bit(11),
  EMBED_LINKS: bit(14),
  ATTACH_FILES: bit(15),
  READ_MESSAGE_HISTORY: bit(16),
  CONNECT: bit(20),
  CREATE_THREADS: bit(35),
};
/** Every permission the API knows (bits 0-7, 9-11, 13-17, 20-24, 26-28, 30, 34, 35, 38, 40). */
const EVERY_PERMISSION = [
  0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 26, 27, 28, 30, 34, 35, 38, 40,
].reduce((bits, n) => bits | bit(n), 0n);
/** What Lower, Manager and Senior hold: everything except ADMINISTRATOR. */
export const ALL_BUT_ADMINISTRATOR = EVERY_PERMISSION & ~BITS.ADMINISTRATOR;

/** A signed-in test user with a handle (friend requests address users by handle). */
export interface Account extends TestUser {
  handle: string;
}

/**
 * A guild with every caller kind in place. Roles, lowest first: Lower (1), Target (2), Manager (3),
 * Senior (4), Admin (5). Hierarchy-sensitive rows act on members holding Target, or on fresh roles
 * placed just above Lower, so `lower` is outranked by its target and everyone else outranks it.
 */
export interface GuildFixture {
  id: string;
  generalId: string;
  roles: { lower: string; target: string; manager: string; senior: string; admin: string };
}

export interface MainGuild extends GuildFixture {
  /** @everyone is denied VIEW_CHANNEL (private); only the Manager role is allowed back in. */
  privateId: string;
  /**
   * @everyone is denied CREATE_INVITE, SEND_MESSAGES and READ_MESSAGE_HISTORY (but may view it);
   * Lower, Manager and Senior are allowed them back.
   */
  restrictedId: string;
  /**
   * @everyone is denied ADD_REACTIONS, CREATE_THREADS and ATTACH_FILES (but may read and send text);
   * Lower, Manager and Senior are allowed them back.
   */
  limitedId: string;
  messageId: string;
  privateMessageId: string;
  emojiId: string;
  inviteCode: string;
  /** A voice channel every member may join. */
  voiceId: string;
  /** A voice channel @everyone may not view (private); only the Manager role is allowed back in. */
  hiddenVoiceId: string;
  /** A voice channel where @everyone is denied CONNECT; Lower, Manager and Senior are allowed it back. */
  closedVoiceId: string;
  /** A voice channel where @everyone is denied STREAM; Lower, Manager and Senior are allowed it back. */
  noStreamVoiceId: string;
  /** The owner's DM with the member, with one message in it. */
  dmId: string;
  dmMessageId: string;
}

export interface World {
  url: string;
  people: Record<Person, Account>;
  main: MainGuild;
  jwt(caller: Caller): string | undefined;
  /** A not-yet-used user for targets and peers. */
  take(): Account;
  /** The error message each caller got in the current row, to explain a mismatch. */
  notes: Partial<Record<Caller, string>>;
}

export const outcomeOf = (result: GraphqlResponse<unknown>): Outcome =>
  (result.errors?.[0]?.extensions?.code as string | undefined) ?? (result.data ? 'OK' : 'NO_DATA');

/** Runs one operation as the caller and answers its outcome. */
export const call = async <T, V>(
  w: World,
  caller: Caller,
  document: TypedDocumentNode<T, V>,
  variables: V,
): Promise<Outcome> => {
  const result = await gql(w.url, document, variables, w.jwt(caller));
  const message = result.errors?.[0]?.message;
  if (message) w.notes[caller] = message;
  return outcomeOf(result);
};

/** Fixture work, which must succeed. */
export const ok = <T, V>(w: World, as: Person, document: TypedDocumentNode<T, V>, variables: V): Promise<T> =>
  gqlOk(w.url, document, variables, w.people[as].jwt);

let counter = 0;
export const unique = () =>
  `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** A value per caller, the callers' fixtures built concurrently. */
export async function perCaller<T, C extends Caller = Caller>(
  callers: readonly C[],
  build: (caller: C) => Promise<T>,
): Promise<Record<C, T>> {
  const entries = await Promise.all(callers.map(async (c) => [c, await build(c)] as const));
  return Object.fromEntries(entries) as Record<C, T>;
}

/** A closed connection's outcome: UNAUTHENTICATED for 4401, else CLOSED_<code>; undefined while open. */
export const closeOutcome = (ws: WsConnection): Outcome | undefined => {
  const close = ws.closes[0];
  return close && (close.code === 4401 ? 'UNAUTHENTICATED' : `CLOSED_${close.code}`);
};

const SUBSCRIPTIONS = 'gochat_router_active_subscriptions';

/**
 * Waits until the caller's subscription is live (the router's gauge counts it) or refused: undefined
 * when live, else the refusal's code. A refused connection also fails its subscription; the close
 * code is the answer then.
 */
export async function refusalOf(w: World, ws: WsConnection, live: LiveSubscription<unknown>) {
  const refused = await Promise.race([
    ws.waitForClose(5_000).then(() => 'closed'),
    live.firstError(5_000).then((errors) => String(errors[0]?.extensions?.code)),
    waitForMetric(w.url, SUBSCRIPTIONS, (v) => v >= 1, {}, 5_000).then(() => undefined),
  ]);
  return closeOutcome(ws) ?? refused;
}

/** Closes the caller's connection, then waits until the router counts no subscription. */
export async function disconnect(w: World, ws: WsConnection): Promise<void> {
  await ws.dispose();
  await waitForMetric(w.url, SUBSCRIPTIONS, (v) => v === 0);
}
