import {
  AuthzAddMemberRoleDocument,
  AuthzBanMemberDocument,
  AuthzBlockUserDocument,
  AuthzCreateChannelDocument,
  AuthzCreateEmojiDocument,
  AuthzCreateGuildDocument,
  AuthzCreateInviteDocument,
  AuthzCreateRoleDocument,
  AuthzCreateThreadDocument,
  AuthzGuildRolesDocument,
  AuthzOpenDirectMessageDocument,
  AuthzReorderRolesDocument,
  AuthzSendMessageDocument,
  AuthzSetChannelOverwriteDocument,
  MediaCompleteUploadDocument,
  MediaCreateUploadDocument,
  createVerifiedUser,
  gqlOk,
  joinGuild,
  type CreateUploadInput,
  type Mailbox,
} from '@gochat/testkit';
import sharp from 'sharp';

import {
  ALL_BUT_ADMINISTRATOR,
  BITS,
  CALLERS,
  PEOPLE,
  ok,
  perCaller,
  unique,
  type Account,
  type Caller,
  type GuildFixture,
  type MainGuild,
  type Person,
  type World,
} from './world.ts';

/**
 * Fixtures of the authorization matrix, built through the router with real API calls as a client
 * would: people, the guilds each caller kind stands in, members, roles, channels, messages, threads,
 * uploads.
 */

/** Signed-up, verified and signed-in users with handles, `limit` sign-ups at a time. */
export async function createPeople(url: string, mailbox: Mailbox, count: number, limit = 16) {
  const people: Account[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) {
        next++;
        const handle = `authz_${unique()}`;
        people.push({ ...(await createVerifiedUser(url, mailbox, { handle })), handle });
      }
    }),
  );
  return people;
}

const createRole = async (w: World, guildId: string, name: string, permissions = 0n) =>
  (
    await ok(w, 'owner', AuthzCreateRoleDocument, {
      guildId,
      input: { name, permissions: permissions.toString() },
    })
  ).createRole.id;

/**
 * Moves the roles (in the given order) just above the role `above`, or to the bottom when it is null,
 * keeping every other role's relative order, by sending every role's position at once. Answers the
 * new positions.
 */
async function placeRoles(
  w: World,
  guildId: string,
  roleIds: string[],
  above: string | null,
): Promise<Map<string, number>> {
  const { guild } = await ok(w, 'owner', AuthzGuildRolesDocument, { id: guildId });
  const moving = new Set(roleIds);
  const order = guild.roles
    .filter((r) => r.id !== guildId && !moving.has(r.id))
    .sort((a, b) => a.position - b.position)
    .map((r) => r.id);
  order.splice(above === null ? 0 : order.indexOf(above) + 1, 0, ...roleIds);
  await ok(w, 'owner', AuthzReorderRolesDocument, {
    guildId,
    positions: order.map((id, i) => ({ id, position: i + 1 })),
  });
  return new Map(order.map((id, i) => [id, i + 1]));
}

/** One fresh role per caller (no permissions), placed just above Lower or at the bottom. */
export async function freshRoles(
  w: World,
  guild: GuildFixture,
  where: 'aboveLower' | 'bottom',
): Promise<Record<Caller, { id: string; position: number }>> {
  const ids: string[] = [];
  // One at a time: each lands just above @everyone, and concurrent creations would race for that spot.
  for (const c of CALLERS) ids.push(await createRole(w, guild.id, `for-${c}-${unique()}`));
  const positions = await placeRoles(w, guild.id, ids, where === 'bottom' ? null : guild.roles.lower);
  return Object.fromEntries(
    CALLERS.map((c, i) => [c, { id: ids[i] ?? '', position: positions.get(ids[i] ?? '') ?? 0 }]),
  ) as Record<Caller, { id: string; position: number }>;
}

/** Joins the user to the guild (through an owner's invite), with a role when given. */
export async function joinAs(w: World, guildId: string, user: Account, roleId?: string) {
  await joinGuild(w.url, w.people.owner.jwt, guildId, user.jwt);
  if (roleId) await ok(w, 'owner', AuthzAddMemberRoleDocument, { guildId, userId: user.id, roleId });
}

/** A spare user who joined the guild, holding the role when given. */
export async function freshMember(w: World, guildId: string, roleId?: string): Promise<Account> {
  const user = w.take();
  await joinAs(w, guildId, user, roleId);
  return user;
}

/** A fresh member holding the Target role: above Lower, below Manager, Senior and Admin. */
export const targetMember = (w: World, guild: GuildFixture) => freshMember(w, guild.id, guild.roles.target);

export async function freshChannel(w: World, guildId: string, name = `c-${unique()}`) {
  return (await ok(w, 'owner', AuthzCreateChannelDocument, { guildId, input: { name } })).createChannel.id;
}

/** A new unlimited invite to the guild, made by `maker`; answers its code. */
export async function freshInvite(w: World, guildId: string, maker: Person = 'owner') {
  const { createInvite } = await ok(w, maker, AuthzCreateInviteDocument, { guildId, input: { maxUses: 0 } });
  return createInvite.code;
}

/** A guild owned by `owner` with every caller kind standing in it. */
export async function buildGuild(w: World, name: string): Promise<GuildFixture> {
  const { createGuild } = await ok(w, 'owner', AuthzCreateGuildDocument, { input: { name } });
  const id = createGuild.id;
  const roles = {
    lower: await createRole(w, id, 'Lower', ALL_BUT_ADMINISTRATOR),
    target: await createRole(w, id, 'Target'),
    manager: await createRole(w, id, 'Manager', ALL_BUT_ADMINISTRATOR),
    senior: await createRole(w, id, 'Senior', ALL_BUT_ADMINISTRATOR),
    admin: await createRole(w, id, 'Admin', BITS.ADMINISTRATOR),
  };
  await ok(w, 'owner', AuthzReorderRolesDocument, {
    guildId: id,
    positions: [roles.lower, roles.target, roles.manager, roles.senior, roles.admin].map((roleId, i) => ({
      id: roleId,
      position: i + 1,
    })),
  });
  const p = w.people;
  await Promise.all([
    joinAs(w, id, p.member),
    joinAs(w, id, p.permitted, roles.manager),
    joinAs(w, id, p.lower, roles.lower),
    joinAs(w, id, p.higher, roles.senior),
    joinAs(w, id, p.admin, roles.admin),
    joinAs(w, id, p.banned).then(() =>
      ok(w, 'owner', AuthzBanMemberDocument, { guildId: id, userId: p.banned.id }),
    ),
  ]);
  return { id, generalId: createGuild.systemChannel?.id ?? '', roles };
}

/** The guild most rows act in, with its private channel, a message, an emoji, an invite and a DM. */
export async function buildMainGuild(w: World): Promise<MainGuild> {
  const g = await buildGuild(w, 'Matrix');
  const overwrite = (channelId: string, targetId: string, allow: bigint, deny = 0n) =>
    ok(w, 'owner', AuthzSetChannelOverwriteDocument, {
      channelId,
      input: { targetType: 'ROLE', targetId, allow: allow.toString(), deny: deny.toString() },
    });

  const privateId = (
    await ok(w, 'owner', AuthzCreateChannelDocument, {
      guildId: g.id,
      input: { name: 'staff', private: true },
    })
  ).createChannel.id;
  await overwrite(
    privateId,
    g.roles.manager,
    BITS.VIEW_CHANNEL | BITS.SEND_MESSAGES | BITS.READ_MESSAGE_HISTORY,
  );

  const restrictedId = await freshChannel(w, g.id, 'restricted');
  const restricted = BITS.CREATE_INVITE | BITS.SEND_MESSAGES | BITS.READ_MESSAGE_HISTORY;
  await overwrite(restrictedId, g.id, 0n, restricted);
  for (const role of [g.roles.lower, g.roles.manager, g.roles.senior])
    await overwrite(restrictedId, role, restricted);

  const limitedId = await freshChannel(w, g.id, 'limited');
  const limited = BITS.ADD_REACTIONS | BITS.CREATE_THREADS | BITS.ATTACH_FILES | BITS.EMBED_LINKS;
  await overwrite(limitedId, g.id, 0n, limited);
  for (const role of [g.roles.lower, g.roles.manager, g.roles.senior])
    await overwrite(limitedId, role, limited);

  const voice = async (name: string, isPrivate = false) =>
    (
      await ok(w, 'owner', AuthzCreateChannelDocument, {
        guildId: g.id,
        input: { name, kind: 'VOICE', private: isPrivate },
      })
    ).createChannel.id;
  const voiceId = await voice('lounge');
  const hiddenVoiceId = await voice('staff-voice', true);
  await overwrite(hiddenVoiceId, g.roles.manager, BITS.VIEW_CHANNEL);
  const closedVoiceId = await voice('closed-voice');
  await overwrite(closedVoiceId, g.id, 0n, BITS.CONNECT);
  for (const role of [g.roles.lower, g.roles.manager, g.roles.senior])
    await overwrite(closedVoiceId, role, BITS.CONNECT);
  const noStreamVoiceId = await voice('no-stream-voice');
  await overwrite(noStreamVoiceId, g.id, 0n, BITS.STREAM);
  for (const role of [g.roles.lower, g.roles.manager, g.roles.senior])
    await overwrite(noStreamVoiceId, role, BITS.STREAM);

  const post = async (channelId: string, content: string) =>
    (await ok(w, 'owner', AuthzSendMessageDocument, { channelId, content })).sendMessage.id;
  const messageId = await post(g.generalId, 'seed');
  const privateMessageId = await post(privateId, 'hush');
  const { createEmoji } = await ok(w, 'owner', AuthzCreateEmojiDocument, {
    guildId: g.id,
    input: { name: 'matrix', assetRef: 'asset:matrix' },
  });
  const inviteCode = await freshInvite(w, g.id);
  const { openDirectMessage } = await ok(w, 'owner', AuthzOpenDirectMessageDocument, {
    userId: w.people.member.id,
  });
  const dmId = openDirectMessage.id;
  return {
    ...g,
    privateId,
    restrictedId,
    limitedId,
    messageId,
    privateMessageId,
    emojiId: createEmoji.id,
    inviteCode,
    voiceId,
    hiddenVoiceId,
    closedVoiceId,
    noStreamVoiceId,
    dmId,
    dmMessageId: await post(dmId, 'psst'),
  };
}

/** The callers who are members of the main guild, so can write fixtures of their own there. */
export const MEMBERS = ['member', 'permitted', 'lower', 'higher', 'admin', 'owner'] as const;
export type MemberCaller = (typeof MEMBERS)[number];
export const isMember = (c: Caller): c is MemberCaller => (MEMBERS as readonly Caller[]).includes(c);

const posters = new WeakMap<World, Promise<Account>>();
/**
 * A plain member of the main guild (no roles) who writes the messages and threads other callers act
 * on, so that "someone else's" means the same for every caller. Made once per world.
 */
export function poster(w: World): Promise<Account> {
  let made = posters.get(w);
  if (!made) {
    made = freshMember(w, w.main.id);
    posters.set(w, made);
  }
  return made;
}

/** The author of the caller's own fixtures: the caller when a member, else the poster (refused anyway). */
export const authorFor = async (w: World, c: Caller): Promise<Account> =>
  isMember(c) ? w.people[c] : poster(w);

/** A message by `author` in a channel; answers its id. */
export async function postMessage(w: World, author: Account, channelId: string, content = `m-${unique()}`) {
  return (await gqlOk(w.url, AuthzSendMessageDocument, { channelId, content }, author.jwt)).sendMessage.id;
}

/** A standalone thread by `author` under a text channel; answers its id. */
export async function postThread(w: World, author: Account, channelId: string) {
  const { createThread } = await gqlOk(
    w.url,
    AuthzCreateThreadDocument,
    { channelId, name: `t-${unique()}` },
    author.jwt,
  );
  return createThread.id;
}

/** A spare user, for targets and peers. */
export const spareUser = (w: World) => Promise.resolve(w.take());

/** A spare user who blocked every signed-in caller. */
export async function blockerOfEveryone(w: World) {
  const blocker = w.take();
  await perCaller(PEOPLE, (p) =>
    gqlOk(w.url, AuthzBlockUserDocument, { userId: w.people[p].id }, blocker.jwt),
  );
  return blocker;
}

/** What an upload is for: its kind, and the channel or guild it is made for. */
export type UploadFor = Pick<CreateUploadInput, 'kind' | 'channelId' | 'guildId'>;

let tinyPng: Promise<Buffer> | undefined;
/** The bytes of every upload of the matrix: an 8x8 PNG, which every kind of upload accepts. */
const pngBytes = () =>
  (tinyPng ??= sharp({ create: { width: 8, height: 8, channels: 4, background: '#fff' } })
    .png()
    .toBuffer());

/** A PENDING upload by `uploader`: created, and its bytes PUT where createUpload said; answers its id. */
export async function sentUpload(w: World, uploader: Account, input: UploadFor): Promise<string> {
  const bytes = await pngBytes();
  const { createUpload } = await gqlOk(
    w.url,
    MediaCreateUploadDocument,
    { input: { ...input, filename: 'matrix.png', contentType: 'image/png', size: bytes.length } },
    uploader.jwt,
  );
  const headers = Object.fromEntries(createUpload.headers.map((h) => [h.name, h.value]));
  const put = await fetch(new URL(createUpload.url, w.url), {
    method: createUpload.method,
    headers,
    body: new Uint8Array(bytes),
  });
  if (!put.ok) throw new Error(`PUT of upload ${createUpload.upload.id}: ${put.status} ${await put.text()}`);
  return createUpload.upload.id;
}

/** A READY upload by `uploader`: created, its bytes PUT, completed; answers its id. */
export async function readyUpload(w: World, uploader: Account, input: UploadFor): Promise<string> {
  const id = await sentUpload(w, uploader, input);
  const { completeUpload } = await gqlOk(w.url, MediaCompleteUploadDocument, { id }, uploader.jwt);
  if (completeUpload.state !== 'READY')
    throw new Error(`upload ${id} is ${completeUpload.state}: ${completeUpload.error ?? ''}`);
  return id;
}
