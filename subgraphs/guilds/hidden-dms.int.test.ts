import { channelState, userSettings } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { describeOnBothDatabases } from '@gochat/testkit';
import { settingsDocumentSchema } from '@gochat/user-settings';
import { expect, it } from 'vitest';

import { openGuildsHarness } from './test-harness.ts';

const messageIds = createSnowflakeGenerator(43);
const OPEN = `mutation($userId: ID!) { openDirectMessage(userId: $userId) { id } }`;
const MINE = `{ myDirectChannels { id } }`;

await describeOnBothDatabases('hidden DMs in myDirectChannels', openGuildsHarness, (h) => {
  const open = async (me: string, other: string) =>
    (await h.ok<{ openDirectMessage: { id: string } }>(me, OPEN, { userId: other })).openDirectMessage.id;
  const listed = async (me: string) =>
    (await h.ok<{ myDirectChannels: { id: string }[] }>(me, MINE)).myDirectChannels.map((c) => c.id);
  /** A new newest message in the DM, as the messages subgraph records it (channel_state). */
  const messageArrives = async (channelId: string) => {
    const lastMessageId = messageIds.next();
    await h.db
      .insert(channelState)
      .values({ channelId, parentChannelId: channelId, lastMessageId })
      .onConflictDoUpdate({ target: channelState.channelId, set: { lastMessageId } });
    return lastMessageId;
  };
  /** Hides DMs as updateSettings stores them: with the newest message id at the time. */
  const hide = (me: string, hidden: Record<string, string | null>) => {
    const document = settingsDocumentSchema.parse({
      hiddenDirectChannels: Object.fromEntries(
        Object.entries(hidden).map(([id, lastMessageId]) => [id, { lastMessageId }]),
      ),
    });
    return h.db
      .insert(userSettings)
      .values({ userId: me, version: 1, document })
      .onConflictDoUpdate({ target: userSettings.userId, set: { document } });
  };

  it('leaves out a hidden DM until a newer message arrives in it', async () => {
    const me = await h.createUser();
    const friend = await h.createUser();
    const quiet = await open(me, await h.createUser());
    const chatty = await open(me, friend);
    const empty = await open(me, await h.createUser());
    const head = await messageArrives(chatty);
    await messageArrives(quiet);
    expect(new Set(await listed(me))).toEqual(new Set([quiet, chatty, empty]));

    await hide(me, { [chatty]: head, [empty]: null });
    expect(new Set(await listed(me))).toEqual(new Set([quiet]));
    // The other participant still sees it: hiding is the user's own view.
    expect(await listed(friend)).toEqual([chatty]);

    await messageArrives(chatty);
    expect(new Set(await listed(me))).toEqual(new Set([quiet, chatty]));
    // A first message brings back a DM hidden while empty.
    await messageArrives(empty);
    expect(new Set(await listed(me))).toEqual(new Set([quiet, chatty, empty]));
  });
});
