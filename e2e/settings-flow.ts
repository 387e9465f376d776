import {
  AuthzOpenDirectMessageDocument,
  ChannelMessagesDocument,
  CreateGuildDocument,
  SendMessageDocument,
  SettingsDirectChannelsDocument,
  SettingsMineDocument,
  SettingsUnreadsDocument,
  SettingsUpdateDocument,
  ViewerFeedDocument,
  gql,
  gqlOk,
  joinGuild,
  wsConnect,
  type SettingsUpdateMutationVariables,
  type TestUser,
  type WsConnection,
} from '@gochat/testkit';
import { expect } from 'vitest';

import { events, feedOf, isMessage, waitForEvent, type Feed, type FeedEvent } from './realtime-flow.ts';

type Patch = SettingsUpdateMutationVariables['patch'];
interface SettingsDocument {
  appearance: { theme: string };
  channels: Record<string, { muted: boolean }>;
  status: { forced: string | null };
}

const settingsOf = (e: FeedEvent) =>
  e.data as { userId: string; version: number; document: SettingsDocument };
const isSettings = (version: number) => (e: FeedEvent) =>
  e.type === 'SettingsUpdated' && settingsOf(e).version === version;

/**
 * Issue 18's synced settings through routers (`urls.a` and `urls.b`: one process, or two routers on
 * real servers): `me` on two devices (one socket per router) sees each change made on the other at
 * once, and nobody else sees it; presence starts from the forced status; a muted channel stops
 * counting as unread but stays readable; a hidden DM comes back when a message arrives in it.
 */
export async function settingsFlow(
  urls: { a: string; b: string },
  users: { owner: TestUser; me: TestUser },
): Promise<void> {
  const { owner, me } = users;
  const { a, b } = urls;
  const sockets: WsConnection[] = [];
  const connect = (url: string, user: TestUser) => {
    const ws = wsConnect(url, user.jwt);
    sockets.push(ws);
    return ws;
  };
  const update = async (url: string, patch: Patch, expectedVersion: number) =>
    (await gqlOk(url, SettingsUpdateDocument, { patch, expectedVersion }, me.jwt)).updateSettings;
  const unreads = async () => (await gqlOk(a, SettingsUnreadsDocument, {}, me.jwt)).unreads;
  const dmsOfMe = async () =>
    (await gqlOk(b, SettingsDirectChannelsDocument, {}, me.jwt)).myDirectChannels.map((c) => c.id);
  try {
    const { createGuild } = await gqlOk(a, CreateGuildDocument, { name: 'Settings guild' }, owner.jwt);
    const guildId = createGuild.id;
    const general = createGuild.systemChannel!.id;
    await joinGuild(a, owner.jwt, guildId, me.jwt);
    const ownerFeed: Feed = feedOf(connect(a, owner), ViewerFeedDocument, {});
    await waitForEvent(ownerFeed, (e) => e.type === 'Subscribed');

    // --- presence starts from the forced status, whatever the connection asks ---
    const start = (await gqlOk(a, SettingsMineDocument, {}, me.jwt)).mySettings.version;
    const forced = await update(a, { status: { forced: 'DND' } }, start);
    const deviceA: Feed = feedOf(connect(a, me), ViewerFeedDocument, {});
    const deviceB: Feed = feedOf(connect(b, me), ViewerFeedDocument, {});
    await waitForEvent(deviceA, (e) => e.type === 'Subscribed');
    await waitForEvent(deviceB, (e) => e.type === 'Subscribed');
    await waitForEvent(
      ownerFeed,
      (e) => e.type === 'PresenceUpdated' && e.data.userId === me.id && e.data.status === 'dnd',
    );
    const mine = (e: FeedEvent) => e.type === 'PresenceUpdated' && e.data.userId === me.id;
    expect(
      events(ownerFeed)
        .filter(mine)
        .map((e) => e.data.status),
    ).not.toContain('online');
    // Forced again while connected: every device of the user follows at once.
    const idle = await update(b, { status: { forced: 'IDLE' } }, forced.version);
    await waitForEvent(ownerFeed, (e) => mine(e) && e.data.status === 'idle');

    // --- a change on one device reaches the other at once, with the whole document ---
    const dark = await update(a, { appearance: { theme: 'DARK' } }, idle.version);
    expect(dark.version).toBe(idle.version + 1);
    const seenOnB = await waitForEvent(deviceB, isSettings(dark.version));
    expect(settingsOf(seenOnB)).toMatchObject({ userId: me.id, document: { appearance: { theme: 'DARK' } } });
    await waitForEvent(deviceA, isSettings(dark.version));

    // Device B changes from the version it was told; device A hears it.
    const muted = await update(
      b,
      { channels: [{ channelId: general, settings: { muted: true } }] },
      settingsOf(seenOnB).version,
    );
    const seenOnA = await waitForEvent(deviceA, isSettings(muted.version));
    expect(settingsOf(seenOnA).document.channels[general]).toMatchObject({ muted: true });
    expect(settingsOf(seenOnA).document.appearance.theme).toBe('DARK');

    // A device still at the old version gets CONFLICT with the current settings; nothing changes.
    const stale = await gql(
      a,
      SettingsUpdateDocument,
      { patch: { appearance: { theme: 'LIGHT' } }, expectedVersion: dark.version },
      me.jwt,
    );
    expect(stale.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      currentVersion: muted.version,
      currentSettings: { version: muted.version, appearance: { theme: 'DARK' } },
    });
    // Unknown keys never reach the subgraph: the router refuses them as bad input.
    const unknown = await gql(
      a,
      SettingsUpdateDocument,
      { patch: { colour: 'red' } as Patch, expectedVersion: muted.version },
      me.jwt,
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    // --- a muted channel is not unread for badges, counts mentions, and stays readable ---
    const plain = await gqlOk(
      a,
      SendMessageDocument,
      { channelId: general, content: 'while muted' },
      owner.jwt,
    );
    await waitForEvent(deviceA, isMessage('while muted'));
    const guildState = async () => (await unreads()).guilds.find((g) => g.guildId === guildId)!;
    let state = await guildState();
    expect(state.unread).toBe(false);
    expect(state.channels.find((c) => c.channelId === general)).toMatchObject({
      unread: false,
      muted: true,
      mentionCount: 0,
      lastMessageId: plain.sendMessage.id,
    });
    const history = await gqlOk(a, ChannelMessagesDocument, { channelId: general, limit: 5 }, me.jwt);
    expect(history.messages.map((m) => m.id)).toContain(plain.sendMessage.id);
    await gqlOk(a, SendMessageDocument, { channelId: general, content: `ping <@${me.id}>` }, owner.jwt);
    await waitForEvent(deviceA, isMessage(`ping <@${me.id}>`));
    state = await guildState();
    expect(state).toMatchObject({ unread: false, mentionCount: 1 });

    // --- a hidden DM leaves the list and comes back with the next message ---
    const { openDirectMessage: dm } = await gqlOk(
      a,
      AuthzOpenDirectMessageDocument,
      { userId: me.id },
      owner.jwt,
    );
    await gqlOk(a, SendMessageDocument, { channelId: dm.id, content: 'first dm' }, owner.jwt);
    expect(await dmsOfMe()).toContain(dm.id);
    const hidden = await update(
      b,
      { hiddenDirectChannels: [{ channelId: dm.id, hidden: true }] },
      muted.version,
    );
    expect(hidden.hiddenDirectChannels.map((h) => h.channelId)).toEqual([dm.id]);
    await waitForEvent(deviceA, isSettings(hidden.version));
    expect(await dmsOfMe()).not.toContain(dm.id);
    await gqlOk(a, SendMessageDocument, { channelId: dm.id, content: 'back again' }, owner.jwt);
    await waitForEvent(deviceB, isMessage('back again'));
    expect(await dmsOfMe()).toContain(dm.id);

    // Nobody else ever heard of these settings.
    expect(events(ownerFeed).filter((e) => e.type === 'SettingsUpdated')).toEqual([]);
  } finally {
    await Promise.all(sockets.map((ws) => ws.dispose()));
  }
}
