import {
  AuthzEmojiImageDocument,
  AuthzGuildImagesDocument,
  MediaAvatarHistoryDocument,
  MediaCompleteUploadDocument,
  MediaCreateEmojiDocument,
  MediaCreateUploadDocument,
  MediaMessageDocument,
  MediaSendDocument,
  MediaSetAvatarDocument,
  MediaSetGuildAvatarDocument,
  MediaSetGuildBannerDocument,
  MediaSetGuildIconDocument,
  MediaUploadDocument,
  MediaUserAvatarDocument,
  gql,
  gqlOk,
  type MediaSetGuildIconMutationVariables,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

import {
  MEMBERS,
  freshMember,
  postThread,
  poster,
  readyUpload,
  sentUpload,
  type UploadFor,
} from './fixtures.ts';
import {
  members,
  op,
  opWith,
  participants,
  permissioned,
  privateChannel,
  row,
  signedIn,
  type Expectation,
  type Rows,
} from './rows.ts';
import {
  CALLERS,
  PEOPLE,
  ok,
  outcomeOf,
  unique,
  type Caller,
  type Outcome,
  type Person,
  type World,
} from './world.ts';

/*
 * Uploads and what they become: attachments, avatars, guild icons and banners, emoji images. Uploads
 * are single-use, so rows that use one give each caller its own, made by the caller when it may make
 * one there, else by the owner (for a caller refused before the upload is looked at: were it not,
 * someone else's upload would answer VALIDATION, not OK, so the row still fails).
 */

/** The media subgraph hides a guild from non-members: NOT_FOUND where the guilds subgraph says FORBIDDEN. */
const guildManagers: Expectation = { ...permissioned, outsider: 'NOT_FOUND', banned: 'NOT_FOUND' };

/**
 * `expect` with every OK replaced by `outcome`: for someone else's upload, the callers who get past
 * the permission checks are refused by the upload's own.
 */
const whereAllowed = (expect: Expectation, outcome: Outcome): Expectation =>
  Object.fromEntries(CALLERS.map((c) => [c, expect[c] === 'OK' ? outcome : expect[c]])) as Expectation;

/** Who holds ATTACH_FILES where @everyone is denied it, MANAGE_GUILD and MANAGE_EMOJIS in the main guild. */
const HOLDERS: readonly Caller[] = ['permitted', 'lower', 'higher', 'admin', 'owner'];
/** Who may post in the private channel: the Manager role, ADMINISTRATOR and the owner. */
const PRIVATE: readonly Caller[] = ['permitted', 'admin', 'owner'];
/** The DM's participants. */
const DM: readonly Caller[] = ['member', 'owner'];

/** The caller when it may make the upload (is one of `may`), else the owner. */
const uploaderFor = (w: World, c: Caller, may: readonly Caller[]) =>
  w.people[may.includes(c) ? (c as Person) : 'owner'];

/** One READY upload per caller, each by uploaderFor(caller). */
const readyEach =
  (may: readonly Caller[], input: (w: World) => UploadFor) =>
  async (w: World): Promise<Record<Caller, string>> => {
    const ids = await Promise.all(CALLERS.map((c) => readyUpload(w, uploaderFor(w, c, may), input(w))));
    return Object.fromEntries(CALLERS.map((c, i) => [c, ids[i] ?? ''])) as Record<Caller, string>;
  };

const avatar = (): UploadFor => ({ kind: 'AVATAR' });
const attachmentIn =
  (channel: 'generalId' | 'privateId' | 'restrictedId' | 'limitedId' | 'dmId') =>
  (w: World): UploadFor => ({ kind: 'ATTACHMENT', channelId: w.main[channel] });
const inMain =
  (kind: 'GUILD_ICON' | 'GUILD_BANNER' | 'EMOJI') =>
  (w: World): UploadFor => ({ kind, guildId: w.main.id });

/** What createUpload declares: a small PNG for `input`'s kind and place (never sent: it stays PENDING). */
const png = (input: UploadFor) => ({ ...input, filename: 'matrix.png', contentType: 'image/png', size: 64 });
/** A row that starts an upload of a PNG for `input` as each caller. */
const createUpload = (expect: Expectation, input: (w: World) => UploadFor) =>
  op(expect, MediaCreateUploadDocument, (w) => ({ input: png(input(w)) }));

/**
 * A row whose outcome is read from the data: the refusal's code, else what `check` says of the data
 * (OK when it is what the operation promises). `variables` and `check` get the fixture `setup` built,
 * if any.
 */
function checked<S, T, V>(r: {
  expect: Expectation;
  setup?: (w: World) => Promise<S>;
  document: TypedDocumentNode<T, V>;
  variables: (fixture: S, w: World, c: Caller) => V;
  check: (data: T, fixture: S, c: Caller) => Outcome;
  sequential?: boolean;
}) {
  return row<S>({
    expect: r.expect,
    setup: r.setup,
    sequential: r.sequential,
    run: async (w, c, fixture) => {
      const result = await gql(w.url, r.document, r.variables(fixture, w, c), w.jwt(c));
      const message = result.errors?.[0]?.message;
      if (message) w.notes[c] = message;
      if (result.errors?.length || !result.data) return outcomeOf(result);
      const outcome = r.check(result.data, fixture, c);
      if (outcome !== 'OK') w.notes[c] = JSON.stringify(result.data);
      return outcome;
    },
  });
}

/** A URL names the upload it serves (public/<id>/<size>.webp). */
const serves = (url: string | null | undefined, uploadId: string, otherwise: Outcome) =>
  url?.includes(uploadId) ? 'OK' : otherwise;

/** Each caller sends a READY attachment of its own (see uploaderFor) where it was made for. */
const sendAttachment = (
  expect: Expectation,
  may: readonly Caller[],
  channel: 'generalId' | 'privateId' | 'limitedId' | 'dmId',
) =>
  checked({
    expect,
    setup: readyEach(may, attachmentIn(channel)),
    document: MediaSendDocument,
    variables: (uploads, w, c) => ({
      channelId: w.main[channel],
      content: `file from ${c}`,
      attachmentIds: [uploads[c]],
    }),
    check: ({ sendMessage }, uploads, c) =>
      sendMessage.attachments[0]?.id === uploads[c] ? 'OK' : 'NO_ATTACHMENT',
  });

/** A fresh member holding the Manager role: someone else who may make guild images in the main guild. */
const otherManager = (w: World) => freshMember(w, w.main.id, w.main.roles.manager);

type GuildImageDocument<T> = TypedDocumentNode<T, MediaSetGuildIconMutationVariables>;

/** setGuildIcon or setGuildBanner: MANAGE_GUILD, with a READY upload of the caller's of that kind. */
const guildImageRows = <T>(
  operation: string,
  kind: 'GUILD_ICON' | 'GUILD_BANNER',
  document: GuildImageDocument<T>,
  urlOf: (data: T) => string | null,
): Rows => ({
  // One after another: each checks the image it set is the one the guild then serves.
  [operation]: checked({
    expect: guildManagers,
    setup: readyEach(HOLDERS, inMain(kind)),
    document,
    variables: (uploads, w, c) => ({ guildId: w.main.id, uploadId: uploads[c] }),
    check: (data, uploads, c) => serves(urlOf(data), uploads[c], 'WRONG_IMAGE'),
    sequential: true,
  }),
  [`${operation} — someone else's upload`]: checked({
    expect: whereAllowed(guildManagers, 'VALIDATION'),
    setup: async (w) => readyUpload(w, await otherManager(w), inMain(kind)(w)),
    document,
    variables: (uploadId, w) => ({ guildId: w.main.id, uploadId }),
    check: () => 'OK',
  }),
  [`${operation} — removing it`]: checked({
    expect: guildManagers,
    document,
    variables: (_, w) => ({ guildId: w.main.id, uploadId: null }),
    check: (data) => (urlOf(data) === null ? 'OK' : 'NOT_REMOVED'),
  }),
});

/** The media subgraph, and the uploads the messages and guilds subgraphs take. */
export const mediaRows: Rows = {
  // --- uploads: each is its owner's alone ---
  'Query.upload': checked({
    expect: signedIn,
    setup: readyEach(PEOPLE, avatar),
    document: MediaUploadDocument,
    variables: (uploads, w, c) => ({ id: uploads[c] }),
    check: ({ upload }, uploads, c) =>
      upload === null ? 'NULL' : upload.id === uploads[c] ? 'OK' : 'WRONG_UPLOAD',
  }),
  // Someone else's upload is as good as none: null, so ids reveal nothing.
  "Query.upload — someone else's upload": checked({
    expect: whereAllowed(signedIn, 'NULL'),
    setup: (w) => readyUpload(w, w.take(), avatar()),
    document: MediaUploadDocument,
    variables: (id) => ({ id }),
    check: (data) => (data.upload === null ? 'NULL' : 'OK'),
  }),
  'Query.avatarHistory': op(signedIn, MediaAvatarHistoryDocument, () => ({})),
  'Mutation.completeUpload': checked({
    expect: signedIn,
    setup: async (w) => {
      const ids = await Promise.all(CALLERS.map((c) => sentUpload(w, uploaderFor(w, c, PEOPLE), avatar())));
      return Object.fromEntries(CALLERS.map((c, i) => [c, ids[i] ?? ''])) as Record<Caller, string>;
    },
    document: MediaCompleteUploadDocument,
    variables: (uploads, w, c) => ({ id: uploads[c] }),
    check: (data) => (data.completeUpload.state === 'READY' ? 'OK' : data.completeUpload.state),
  }),
  "Mutation.completeUpload — someone else's upload": checked({
    expect: whereAllowed(signedIn, 'NOT_FOUND'),
    setup: (w) => sentUpload(w, w.take(), avatar()),
    document: MediaCompleteUploadDocument,
    variables: (id) => ({ id }),
    check: () => 'OK',
  }),

  // --- createUpload: whoever may use the upload where it is for ---
  // ATTACHMENT: SEND_MESSAGES and ATTACH_FILES in the channel, which @everyone holds by default.
  'Mutation.createUpload': createUpload(members, attachmentIn('generalId')),
  'Mutation.createUpload — ATTACHMENT, private channel': createUpload(
    privateChannel,
    attachmentIn('privateId'),
  ),
  // Viewable by every member, but SEND_MESSAGES is denied to @everyone.
  'Mutation.createUpload — ATTACHMENT, restricted channel': createUpload(
    permissioned,
    attachmentIn('restrictedId'),
  ),
  // @everyone may send there, but is denied ATTACH_FILES.
  'Mutation.createUpload — ATTACHMENT where ATTACH_FILES is denied': createUpload(
    permissioned,
    attachmentIn('limitedId'),
  ),
  'Mutation.createUpload — ATTACHMENT, DM': createUpload(participants, attachmentIn('dmId')),
  // SEND_MESSAGES_IN_THREADS and ATTACH_FILES, which @everyone holds by default.
  'Mutation.createUpload — ATTACHMENT, thread': opWith(
    members,
    async (w) => postThread(w, await poster(w), w.main.generalId),
    MediaCreateUploadDocument,
    (channelId) => ({ input: png({ kind: 'ATTACHMENT', channelId }) }),
  ),
  // One's own avatar: anyone signed in.
  'Mutation.createUpload — AVATAR': createUpload(signedIn, avatar),
  'Mutation.createUpload — GUILD_ICON': createUpload(guildManagers /* MANAGE_GUILD */, inMain('GUILD_ICON')),
  'Mutation.createUpload — GUILD_BANNER': createUpload(
    guildManagers /* MANAGE_GUILD */,
    inMain('GUILD_BANNER'),
  ),
  'Mutation.createUpload — EMOJI': createUpload(guildManagers /* MANAGE_EMOJIS */, inMain('EMOJI')),

  // --- avatars: one's own READY AVATAR uploads ---
  'Mutation.setAvatar': checked({
    expect: signedIn,
    setup: readyEach(PEOPLE, avatar),
    document: MediaSetAvatarDocument,
    variables: (uploads, w, c) => ({ uploadId: uploads[c] }),
    check: (data, uploads, c) => serves(data.setAvatar.avatarUrl, uploads[c], 'WRONG_IMAGE'),
  }),
  "Mutation.setAvatar — someone else's upload": checked({
    expect: whereAllowed(signedIn, 'VALIDATION'),
    setup: (w) => readyUpload(w, w.take(), avatar()),
    document: MediaSetAvatarDocument,
    variables: (uploadId) => ({ uploadId }),
    check: () => 'OK',
  }),
  'Mutation.setAvatar — removing it': checked({
    expect: signedIn,
    document: MediaSetAvatarDocument,
    variables: () => ({ uploadId: null }),
    check: (data) => (data.setAvatar.avatarUrl === null ? 'OK' : 'NOT_REMOVED'),
  }),

  // --- guild avatars: members, their own membership, their own READY AVATAR uploads (guilds subgraph) ---
  'Mutation.setGuildAvatar': checked({
    expect: members,
    setup: readyEach(PEOPLE, avatar),
    document: MediaSetGuildAvatarDocument,
    variables: (uploads, w, c) => ({ guildId: w.main.id, uploadId: uploads[c] }),
    check: (data, uploads, c) => serves(data.setGuildAvatar.avatarUrl, uploads[c], 'WRONG_IMAGE'),
  }),
  "Mutation.setGuildAvatar — someone else's upload": checked({
    expect: whereAllowed(members, 'VALIDATION'),
    setup: (w) => readyUpload(w, w.take(), avatar()),
    document: MediaSetGuildAvatarDocument,
    variables: (uploadId, w) => ({ guildId: w.main.id, uploadId }),
    check: () => 'OK',
  }),
  'Mutation.setGuildAvatar — removing it': checked({
    expect: members,
    document: MediaSetGuildAvatarDocument,
    variables: (_, w) => ({ guildId: w.main.id, uploadId: null }),
    check: (data) => (data.setGuildAvatar.avatarUrl === null ? 'OK' : 'NOT_REMOVED'),
  }),

  // --- guild icons and banners: MANAGE_GUILD ---
  ...guildImageRows(
    'Mutation.setGuildIcon',
    'GUILD_ICON',
    MediaSetGuildIconDocument,
    (d) => d.setGuildIcon.iconUrl,
  ),
  ...guildImageRows(
    'Mutation.setGuildBanner',
    'GUILD_BANNER',
    MediaSetGuildBannerDocument,
    (d) => d.setGuildBanner.bannerUrl,
  ),

  // --- uploads other subgraphs take: attachments (ATTACH_FILES), emoji images (MANAGE_EMOJIS) ---
  'Mutation.sendMessage — with an attachment': sendAttachment(members, MEMBERS, 'generalId'),
  'Mutation.sendMessage — attachment, private channel': sendAttachment(privateChannel, PRIVATE, 'privateId'),
  // The member may send text there but holds no ATTACH_FILES (so could make no upload for it).
  'Mutation.sendMessage — attachment where ATTACH_FILES is denied': sendAttachment(
    permissioned,
    HOLDERS,
    'limitedId',
  ),
  'Mutation.sendMessage — attachment, DM': sendAttachment(participants, DM, 'dmId'),
  "Mutation.sendMessage — someone else's attachment": checked({
    expect: whereAllowed(members, 'VALIDATION'),
    setup: async (w) => readyUpload(w, await poster(w), attachmentIn('generalId')(w)),
    document: MediaSendDocument,
    variables: (uploadId, w, c) => ({
      channelId: w.main.generalId,
      content: `from ${c}`,
      attachmentIds: [uploadId],
    }),
    check: () => 'OK',
  }),
  'Mutation.createEmoji — uploaded image': checked({
    expect: permissioned, // MANAGE_EMOJIS
    setup: readyEach(HOLDERS, inMain('EMOJI')),
    document: MediaCreateEmojiDocument,
    variables: (uploads, w, c) => ({ guildId: w.main.id, name: `img_${unique()}`, uploadId: uploads[c] }),
    check: ({ createEmoji }, uploads, c) =>
      createEmoji.imageAvailable ? serves(createEmoji.url, uploads[c], 'NO_IMAGE') : 'NO_IMAGE',
  }),
  "Mutation.createEmoji — someone else's upload": checked({
    expect: whereAllowed(permissioned, 'VALIDATION'),
    setup: async (w) => readyUpload(w, await otherManager(w), inMain('EMOJI')(w)),
    document: MediaCreateEmojiDocument,
    variables: (uploadId, w) => ({ guildId: w.main.id, name: `other_${unique()}`, uploadId }),
    check: () => 'OK',
  }),

  // --- the public image URLs and attachment URLs, for whoever can read what they belong to ---
  'Query.user — avatarUrl': checked({
    expect: signedIn,
    setup: async (w) => {
      const user = w.take();
      const uploadId = await readyUpload(w, user, avatar());
      await gqlOk(w.url, MediaSetAvatarDocument, { uploadId }, user.jwt);
      return { userId: user.id, uploadId };
    },
    document: MediaUserAvatarDocument,
    variables: ({ userId }) => ({ id: userId }),
    check: (data, { uploadId }) => serves(data.user?.avatarUrl, uploadId, 'NO_IMAGE'),
  }),
  'Query.guild — iconUrl and bannerUrl': checked({
    expect: members,
    setup: async (w) => {
      const [icon, banner] = await Promise.all([
        readyUpload(w, w.people.owner, inMain('GUILD_ICON')(w)),
        readyUpload(w, w.people.owner, inMain('GUILD_BANNER')(w)),
      ]);
      await ok(w, 'owner', MediaSetGuildIconDocument, { guildId: w.main.id, uploadId: icon });
      await ok(w, 'owner', MediaSetGuildBannerDocument, { guildId: w.main.id, uploadId: banner });
      return { icon, banner };
    },
    document: AuthzGuildImagesDocument,
    variables: (_, w) => ({ id: w.main.id }),
    check: ({ guild }, { icon, banner }) =>
      guild.iconUrl?.includes(icon) ? serves(guild.bannerUrl, banner, 'NO_BANNER') : 'NO_ICON',
  }),
  'Query.emoji — url': checked({
    expect: members,
    setup: async (w) => {
      const uploadId = await readyUpload(w, w.people.owner, inMain('EMOJI')(w));
      const { createEmoji } = await ok(w, 'owner', MediaCreateEmojiDocument, {
        guildId: w.main.id,
        name: `seen_${unique()}`,
        uploadId,
      });
      return { emojiId: createEmoji.id, uploadId };
    },
    document: AuthzEmojiImageDocument,
    variables: ({ emojiId }) => ({ id: emojiId }),
    check: ({ emoji }, { uploadId }) => serves(emoji.url, uploadId, 'NO_IMAGE'),
  }),
  // Signed download URLs come with the message, to whoever can read it.
  'Query.message — attachment url': checked({
    expect: members,
    setup: async (w) => {
      const uploadId = await readyUpload(w, w.people.owner, attachmentIn('generalId')(w));
      const { sendMessage } = await ok(w, 'owner', MediaSendDocument, {
        channelId: w.main.generalId,
        attachmentIds: [uploadId],
      });
      return sendMessage.id;
    },
    document: MediaMessageDocument,
    variables: (id, w) => ({ channelId: w.main.generalId, id }),
    check: ({ message }) => (message.attachments[0]?.url ? 'OK' : 'NO_URL'),
  }),
};
