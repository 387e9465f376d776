import {
  MediaMemberAvatarsDocument,
  MediaSendDocument,
  MediaSetGuildAvatarDocument,
  gql,
  gqlOk,
} from '@gochat/testkit';
import { expect } from 'vitest';

import { png } from './fixtures.ts';
import { absolute, codeOf, expectNothingStored, upload, type MediaWorld } from './media-flow.ts';

/**
 * A member's avatar in one guild (Discord's server profile avatar), through the router: Bob uploads
 * an AVATAR and sets it in the guild; the channel's history shows it on his messages
 * (Message.member.avatarUrl, served as an image); replacing it deletes the old files; clearing it
 * leaves null (the client then shows his own avatar). An outsider cannot set one there.
 */
export async function guildAvatarEndToEnd(world: MediaWorld) {
  const { url, alice, bob, mallory, guildId, channelId } = world;
  const first = await upload(
    world,
    bob,
    { kind: 'AVATAR', filename: 'server-me.png', contentType: 'image/png' },
    await png(160, 160, '#22aa88'),
  );
  const { setGuildAvatar } = await gqlOk(
    url,
    MediaSetGuildAvatarDocument,
    { guildId, uploadId: first.id },
    bob.jwt,
  );
  expect(setGuildAvatar.avatarUrl).toContain(first.id);
  await gqlOk(url, MediaSendDocument, { channelId, content: 'hi with my server avatar' }, bob.jwt);

  // Alice reads the history: Bob's messages carry his guild avatar, and the URL serves the image.
  const bobsMembers = async () =>
    (await gqlOk(url, MediaMemberAvatarsDocument, { channelId }, alice.jwt)).messages
      .filter((m) => m.author.id === bob.id && m.member)
      .map((m) => m.member!);
  const shown = await bobsMembers();
  expect(shown.length).toBeGreaterThan(0);
  for (const member of shown) expect(member.avatarUrl).toMatch(new RegExp(`${first.id}/64\\.webp$`));
  const served = await fetch(absolute(world, shown[0]!.avatarUrl!));
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toBe('image/webp');
  expect((await served.arrayBuffer()).byteLength).toBeGreaterThan(0);

  // Replaced: the first one's files go (released in the change's transaction, deleted by the janitor).
  const second = await upload(
    world,
    bob,
    { kind: 'AVATAR', filename: 'server-me2.png', contentType: 'image/png' },
    await png(160, 160, '#aa2288'),
  );
  await gqlOk(url, MediaSetGuildAvatarDocument, { guildId, uploadId: second.id }, bob.jwt);
  await expectNothingStored(world, first.id);

  // Cleared: no guild avatar, so null (the client falls back to User.avatarUrl); its files go too.
  const cleared = await gqlOk(url, MediaSetGuildAvatarDocument, { guildId, uploadId: null }, bob.jwt);
  expect(cleared.setGuildAvatar.avatarUrl).toBeNull();
  for (const member of await bobsMembers()) expect(member.avatarUrl).toBeNull();
  await expectNothingStored(world, second.id);

  // Not a member: refused, and the upload stays unused.
  const mallorys = await upload(
    world,
    mallory,
    { kind: 'AVATAR', filename: 'intruder.png', contentType: 'image/png' },
    await png(64, 64),
  );
  expect(
    codeOf(await gql(url, MediaSetGuildAvatarDocument, { guildId, uploadId: mallorys.id }, mallory.jwt)),
  ).toBe('FORBIDDEN');
}
