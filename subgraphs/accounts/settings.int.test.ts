import {
  channelRecipients,
  channelState,
  channels,
  guildMembers,
  guilds,
  userSettings,
} from '@gochat/drizzle';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { openAccountsHarness } from './test-harness.ts';

const FIELDS = `version updatedAt
  guilds { guildId level muted muteEndsAt suppressEveryone suppressRoles selectedChannelId }
  channels { channelId level muted muteEndsAt }
  guildFolders { id name color guildIds } guildOrder
  hiddenDirectChannels { channelId lastMessageId }
  appearance { locale theme density }
  voice { inputDeviceId inputVolume outputVolume inputSensitivity noiseSuppression echoCancellation automaticGainControl }
  sounds { enabled disabled }
  status { forced custom { text emoji expiresAt } }`;
const MY = `{ mySettings { ${FIELDS} } }`;
const UPDATE = `mutation($patch: UserSettingsPatch!, $v: Int!) { updateSettings(patch: $patch, expectedVersion: $v) { ${FIELDS} } }`;

interface Settings {
  version: number;
  guilds: {
    guildId: string;
    level: string | null;
    muted: boolean;
    suppressEveryone: boolean;
    selectedChannelId: string | null;
  }[];
  channels: { channelId: string; level: string | null; muted: boolean; muteEndsAt: string | null }[];
  guildFolders: { id: string; name: string | null; color: number | null; guildIds: string[] }[];
  guildOrder: string[];
  hiddenDirectChannels: { channelId: string; lastMessageId: string | null }[];
  appearance: { locale: string | null; theme: string; density: string };
  voice: { inputVolume: number; noiseSuppression: boolean };
  sounds: { enabled: boolean; disabled: string[] };
  status: { forced: string | null; custom: { text: string; emoji: string | null } | null };
}

await describeOnBothDatabases('settings', openAccountsHarness, (h) => {
  /** A guild owned by `ownerId` with one text channel; `members` join it too. */
  async function guildWith(ownerId: string, ...members: string[]) {
    const guildId = h.ids.next();
    const channelId = h.ids.next();
    await h.db.insert(guilds).values({ id: guildId, name: 'G', ownerId });
    await h.db.insert(guildMembers).values([ownerId, ...members].map((userId) => ({ guildId, userId })));
    await h.db.insert(channels).values({ id: channelId, guildId, kind: 'text', name: 'general' });
    return { guildId, channelId };
  }
  async function dmOf(a: string, b: string, lastMessageId: string | null) {
    const channelId = h.ids.next();
    await h.db.insert(channels).values({ id: channelId, kind: 'dm' });
    await h.db.insert(channelRecipients).values([a, b].map((userId) => ({ channelId, userId })));
    if (lastMessageId)
      await h.db.insert(channelState).values({ channelId, parentChannelId: channelId, lastMessageId });
    return channelId;
  }
  const mine = async (who: string) => (await h.ok<{ mySettings: Settings }>(who, MY)).mySettings;
  const update = async (who: string, patch: unknown, v: number) =>
    (await h.ok<{ updateSettings: Settings }>(who, UPDATE, { patch, v })).updateSettings;
  const storedRow = async (who: string) =>
    (await h.db.select().from(userSettings).where(eq(userSettings.userId, who)))[0];

  it('starts at version 0 with the defaults, and needs a signed-in user', async () => {
    const me = await h.createUser();
    const s = await mine(me);
    expect(s.version).toBe(0);
    expect(s.appearance).toEqual({ locale: null, theme: 'SYSTEM', density: 'COZY' });
    expect(s.status).toEqual({ forced: null, custom: null });
    expect(codeOf(await h.as(undefined, MY))).toBe('UNAUTHENTICATED');
    expect(codeOf(await h.as(undefined, UPDATE, { patch: {}, v: 0 }))).toBe('UNAUTHENTICATED');
  });

  it('merges a partial update, raises the version, and tells only the user (SettingsUpdated)', async () => {
    const me = await h.createUser();
    const { guildId, channelId } = await guildWith(me);
    const first = await update(
      me,
      {
        guilds: [
          { guildId, settings: { muted: true, suppressEveryone: true, selectedChannelId: channelId } },
        ],
        channels: [{ channelId, settings: { level: 'MENTIONS' } }],
        guildOrder: [guildId],
        guildFolders: [{ id: 'f1', name: 'Friends', color: 0x00ff00, guildIds: [guildId] }],
        appearance: { theme: 'DARK', locale: 'en-GB' },
        status: { forced: 'DND', custom: { text: 'deep work', emoji: '🧠' } },
      },
      0,
    );
    expect(first.version).toBe(1);
    expect(first.guilds).toEqual([
      expect.objectContaining({ guildId, muted: true, suppressEveryone: true, selectedChannelId: channelId }),
    ]);
    // Another part: the first one's fields stay.
    const second = await update(
      me,
      { voice: { inputVolume: 150, noiseSuppression: false }, appearance: { density: 'COMPACT' } },
      1,
    );
    expect(second.version).toBe(2);
    expect(second.appearance).toEqual({ locale: 'en-GB', theme: 'DARK', density: 'COMPACT' });
    expect(second.voice).toMatchObject({ inputVolume: 150, noiseSuppression: false });
    expect(second.status.custom).toEqual({ text: 'deep work', emoji: '🧠', expiresAt: null });
    expect(await mine(me)).toEqual(second);
    // settings: null removes a guild's settings.
    const third = await update(me, { guilds: [{ guildId, settings: null }] }, 2);
    expect(third.guilds).toEqual([]);

    await h.flush();
    const events = h.events.events.filter((e) => e.type === 'SettingsUpdated' && e.data.userId === me);
    expect(events.map((e) => [e.subject, e.data.version])).toEqual([
      [`user.${me}`, 1],
      [`user.${me}`, 2],
      [`user.${me}`, 3],
    ]);
    expect((events[1]!.data.document as { voice: { inputVolume: number } }).voice.inputVolume).toBe(150);
  });

  it('answers a stale version with CONFLICT carrying the current settings, and stores nothing', async () => {
    const me = await h.createUser();
    await update(me, { appearance: { theme: 'LIGHT' } }, 0);
    const stale = await h.as(me, UPDATE, { patch: { appearance: { theme: 'DARK' } }, v: 0 });
    expect(codeOf(stale)).toBe('CONFLICT');
    const extensions = stale.errors![0]!.extensions as {
      currentVersion: number;
      currentSettings: Settings;
    };
    expect(extensions.currentVersion).toBe(1);
    expect(extensions.currentSettings.appearance.theme).toBe('LIGHT');
    expect((await mine(me)).appearance.theme).toBe('LIGHT');
    // A version from the future is stale too.
    expect(codeOf(await h.as(me, UPDATE, { patch: {}, v: 7 }))).toBe('CONFLICT');
  });

  it('lets one of two concurrent updates from the same version win', async () => {
    const me = await h.createUser();
    const results = await Promise.all(
      ['DARK', 'LIGHT'].map((theme) => h.as(me, UPDATE, { patch: { appearance: { theme } }, v: 0 })),
    );
    expect(results.map(codeOf).sort()).toEqual(['CONFLICT', 'OK'].sort());
    expect((await mine(me)).version).toBe(1);
  });

  it('refuses each kind of bad input with a typed error and stores nothing', async () => {
    const me = await h.createUser();
    const other = await h.createUser();
    const { guildId: theirGuild, channelId: theirChannel } = await guildWith(other);
    const { guildId: myGuild, channelId: myChannel } = await guildWith(me);
    const theirDm = await dmOf(other, await h.createUser(), null);
    await update(me, { appearance: { theme: 'DARK' } }, 0);
    const before = await storedRow(me);

    // Unknown keys and wrong types: refused by GraphQL's input types before any resolver runs (the
    // router answers them as BAD_USER_INPUT: e2e/settings.e2e.ts; a subgraph alone masks them).
    for (const patch of [
      { colour: 'red' },
      { voice: { inputVolume: 'loud' } },
      { appearance: { theme: 'NEON' } },
    ]) {
      const result = await h.as(me, UPDATE, { patch, v: 1 });
      expect(result.data ?? null).toBeNull();
      expect(result.errors).toHaveLength(1);
    }
    const bad: [unknown, string][] = [
      // Values out of range, oversized strings.
      [{ voice: { inputVolume: 500 } }, 'VALIDATION'],
      [{ status: { custom: { text: 'x'.repeat(256) } } }, 'VALIDATION'],
      [{ appearance: { locale: 'x'.repeat(36) } }, 'VALIDATION'],
      [{ guildFolders: [{ id: 'f', name: 'n'.repeat(101), guildIds: [] }] }, 'VALIDATION'],
      [
        { guildFolders: Array.from({ length: 10_000 }, (_, i) => ({ id: `f${i}`, guildIds: [] })) },
        'VALIDATION',
      ],
      [{ guildOrder: ['not-an-id'] }, 'VALIDATION'],
      // Guilds, channels and DMs the user has no part in.
      [{ guilds: [{ guildId: theirGuild, settings: { muted: true } }] }, 'VALIDATION'],
      [{ guildOrder: [myGuild, theirGuild] }, 'VALIDATION'],
      [{ guildFolders: [{ id: 'f', guildIds: [theirGuild] }] }, 'VALIDATION'],
      [{ channels: [{ channelId: theirChannel, settings: { muted: true } }] }, 'VALIDATION'],
      [{ guilds: [{ guildId: myGuild, settings: { selectedChannelId: theirChannel } }] }, 'VALIDATION'],
      [{ hiddenDirectChannels: [{ channelId: theirDm, hidden: true }] }, 'VALIDATION'],
      // A valid part with an invalid one: nothing of either is stored.
      [
        { appearance: { theme: 'LIGHT' }, guilds: [{ guildId: theirGuild, settings: { muted: true } }] },
        'VALIDATION',
      ],
      [
        { channels: [{ channelId: myChannel, settings: { muted: true } }], voice: { outputVolume: -1 } },
        'VALIDATION',
      ],
    ];
    // Each case is labelled by its patch, so a failure names it.
    for (const [patch, code] of bad) {
      const label = JSON.stringify(patch).slice(0, 80);
      expect([label, codeOf(await h.as(me, UPDATE, { patch, v: 1 }))]).toEqual([label, code]);
    }

    const tooMany = Array.from({ length: 501 }, () => ({ channelId: myChannel, settings: { muted: true } }));
    // 501 entries of one id merge to one: allowed; 501 distinct channels are over the limit.
    expect(codeOf(await h.as(me, UPDATE, { patch: { channels: tooMany }, v: 1 }))).toBe('OK');
    const distinct = Array.from({ length: 501 }, () => ({
      channelId: h.ids.next(),
      settings: { muted: true },
    }));
    expect(codeOf(await h.as(me, UPDATE, { patch: { channels: distinct }, v: 2 }))).toBe('VALIDATION');

    const after = await storedRow(me);
    expect(after!.version).toBe(before!.version + 1);
    expect((after!.document as { appearance: { theme: string } }).appearance.theme).toBe('DARK');
  });

  it('hides a DM with its newest message id, shows it again on request', async () => {
    const me = await h.createUser();
    const dm = await dmOf(me, await h.createUser(), '4242');
    const hidden = await update(me, { hiddenDirectChannels: [{ channelId: dm, hidden: true }] }, 0);
    expect(hidden.hiddenDirectChannels).toEqual([{ channelId: dm, lastMessageId: '4242' }]);
    const shown = await update(me, { hiddenDirectChannels: [{ channelId: dm, hidden: false }] }, 1);
    expect(shown.hiddenDirectChannels).toEqual([]);
  });

  it('keeps settings of a guild the user left editable, but not re-addable', async () => {
    const me = await h.createUser();
    const { guildId } = await guildWith(await h.createUser(), me);
    await update(me, { guilds: [{ guildId, settings: { muted: true } }] }, 0);
    await h.db.delete(guildMembers).where(eq(guildMembers.userId, me));
    const s = await update(me, { guilds: [{ guildId, settings: { muted: false } }] }, 1);
    expect(s.guilds[0]).toMatchObject({ guildId, muted: false });
    await update(me, { guilds: [{ guildId, settings: null }] }, 2);
    expect(
      codeOf(await h.as(me, UPDATE, { patch: { guilds: [{ guildId, settings: { muted: true } }] }, v: 3 })),
    ).toBe('VALIDATION');
  });
});
