import { describe, expect, it } from 'vitest';

import {
  MAX_CHANNEL_OVERRIDES,
  MAX_FOLDERS,
  applyPatch,
  defaultSettings,
  effectivePrefs,
  newReferences,
  readDocument,
  settingsDocumentSchema,
  settingsPatchSchema,
  stillHidden,
  type SettingsDocument,
  type SettingsPatch,
} from './index.ts';

const G = '100000000000000001';
const G2 = '100000000000000002';
const C = '200000000000000001';
const T = '200000000000000009';

const patched = (patch: SettingsPatch, from: SettingsDocument = defaultSettings()) => {
  const result = applyPatch(from, settingsPatchSchema.parse(patch));
  if (!result.ok) throw new Error(`${result.path}: ${result.message}`);
  return result.document;
};
const refused = (patch: unknown, from: SettingsDocument = defaultSettings()) => {
  const parsed = settingsPatchSchema.safeParse(patch);
  if (!parsed.success) return parsed.error.issues[0]!.path.join('.');
  const result = applyPatch(from, parsed.data);
  return result.ok ? undefined : result.path;
};

describe('settings document', () => {
  it('parses {} to the defaults', () => {
    const d = defaultSettings();
    expect(d.appearance).toEqual({ locale: null, theme: 'SYSTEM', density: 'COZY' });
    expect(d.voice.inputVolume).toBe(100);
    expect(d.sounds).toEqual({ enabled: true, disabled: [] });
    expect(d.status).toEqual({ forced: null, custom: null });
    expect(d.guilds).toEqual({});
  });

  it('rejects unknown keys at every level', () => {
    expect(settingsDocumentSchema.safeParse({ colour: 'red' }).success).toBe(false);
    expect(settingsDocumentSchema.safeParse({ appearance: { font: 'x' } }).success).toBe(false);
    expect(refused({ theme: 'DARK' })).toBe('');
    expect(refused({ voice: { gain: 3 } })).toBe('voice');
  });

  it('reads a stored document that broke a rule part by part, keeping the good parts', () => {
    const d = readDocument({ appearance: { theme: 'DARK' }, voice: { inputVolume: 9000 } });
    expect(d.appearance.theme).toBe('DARK');
    expect(d.voice.inputVolume).toBe(100);
  });
});

describe('applyPatch', () => {
  it('merges override maps by key: fields merge, null deletes the key', () => {
    let d = patched({ guilds: { [G]: { muted: true }, [G2]: { level: 'MENTIONS' } } });
    d = patched({ guilds: { [G]: { suppressEveryone: true }, [G2]: null } }, d);
    expect(d.guilds).toEqual({
      [G]: {
        muted: true,
        muteEndsAt: null,
        suppressEveryone: true,
        suppressRoles: false,
        selectedChannelId: null,
      },
    });
    // A null field goes back to its default (level: inherit).
    d = patched({ channels: { [C]: { level: 'NOTHING', muted: true } } }, d);
    d = patched({ channels: { [C]: { level: null } } }, d);
    expect(d.channels[C]).toEqual({ muted: true, muteEndsAt: null });
  });

  it('replaces lists whole and merges objects field by field', () => {
    let d = patched({
      guildOrder: [G, G2],
      guildFolders: [{ id: 'f1', name: 'Work', color: 0xff0000, guildIds: [G] }],
      appearance: { theme: 'DARK' },
    });
    d = patched({ guildOrder: [G2], appearance: { density: 'COMPACT' } }, d);
    expect(d.guildOrder).toEqual([G2]);
    expect(d.guildFolders).toHaveLength(1);
    expect(d.appearance).toEqual({ locale: null, theme: 'DARK', density: 'COMPACT' });
    d = patched({ appearance: { theme: null } }, d);
    expect(d.appearance.theme).toBe('SYSTEM');
  });

  it('replaces the custom status whole; null clears it', () => {
    let d = patched({ status: { forced: 'DND', custom: { text: 'away', emoji: '🌴' } } });
    expect(d.status).toEqual({ forced: 'DND', custom: { text: 'away', emoji: '🌴', expiresAt: null } });
    d = patched({ status: { custom: { text: 'back' } } }, d);
    expect(d.status.custom).toEqual({ text: 'back', emoji: null, expiresAt: null });
    d = patched({ status: { custom: null } }, d);
    expect(d.status).toEqual({ forced: 'DND', custom: null });
  });

  it('records a hidden DM with the newest message id it was hidden at', () => {
    const result = applyPatch(
      defaultSettings(),
      { hiddenDirectChannels: { [C]: true } },
      new Map([[C, '55']]),
    );
    expect(result.ok && result.document.hiddenDirectChannels).toEqual({ [C]: { lastMessageId: '55' } });
  });

  it('refuses wrong types, oversized strings and passed limits', () => {
    expect(refused({ voice: { inputVolume: 'loud' } })).toBe('voice.inputVolume');
    expect(refused({ voice: { inputVolume: 201 } })).toBe('voice.inputVolume');
    expect(refused({ status: { custom: { text: 'x'.repeat(256) } } })).toBe('status.custom.text');
    expect(refused({ status: { custom: { text: 'x'.repeat(255) } } })).toBeUndefined();
    expect(refused({ guilds: { 'not-an-id': { muted: true } } })).toBe('guilds.not-an-id');
    const folders = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: `f${i}`, name: null, color: null, guildIds: [] }));
    expect(refused({ guildFolders: folders(MAX_FOLDERS) })).toBeUndefined();
    expect(refused({ guildFolders: folders(MAX_FOLDERS + 1) })).toBe('guildFolders');
    expect(refused({ guildFolders: folders(10_000) })).toBe('guildFolders');
    expect(refused({ guildFolders: [...folders(1), ...folders(1)] })).toBe('guildFolders');
    const overrides = (n: number, from = 0) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          String(300000000000000000n + BigInt(from + i)),
          { muted: true },
        ]),
      );
    expect(refused({ channels: overrides(MAX_CHANNEL_OVERRIDES + 1) })).toBe('channels');
    // The limit holds on the merged document, not only on one patch.
    const full = patched({ channels: overrides(MAX_CHANNEL_OVERRIDES) });
    expect(refused({ channels: overrides(1, MAX_CHANNEL_OVERRIDES) }, full)).toBe('channels');
  });
});

describe('newReferences', () => {
  it('lists only the ids the current document does not have yet', () => {
    const current = patched({ guilds: { [G]: { muted: true } }, channels: { [C]: { muted: true } } });
    const refs = newReferences(
      current,
      settingsPatchSchema.parse({
        guilds: { [G]: { level: 'ALL', selectedChannelId: C }, [G2]: null },
        guildOrder: [G, G2],
        channels: { [C]: { level: 'ALL' }, [T]: { muted: true } },
        hiddenDirectChannels: { '400000000000000001': true, '400000000000000002': null },
      }),
    );
    expect(refs).toEqual({
      guildIds: [G2],
      channelIds: [T],
      selectedChannels: [[G, C]],
      directChannelIds: ['400000000000000001'],
    });
  });
});

describe('effectivePrefs', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const place = (containerId: string, parentChannelId = containerId, guildId: string | null = G) => ({
    containerId,
    parentChannelId,
    guildId,
  });

  it('takes the most specific level and a mute anywhere on the path', () => {
    const d = patched({
      guilds: { [G]: { level: 'MENTIONS', suppressRoles: true } },
      channels: { [C]: { level: 'NOTHING' } },
    });
    expect(effectivePrefs(d, place(C), now)).toEqual({
      level: 'NOTHING',
      muted: false,
      suppressEveryone: false,
      suppressRoles: true,
    });
    expect(effectivePrefs(d, place(T, C), now).level).toBe('NOTHING');
    expect(effectivePrefs(d, place('200000000000000002'), now).level).toBe('MENTIONS');
    expect(effectivePrefs(d, place(C, C, null), now).level).toBe('NOTHING');
    const muted = patched({ channels: { [C]: { muted: true } } });
    expect(effectivePrefs(muted, place(T, C), now).muted).toBe(true);
  });

  it('ends a timed mute at its end', () => {
    const d = patched({ guilds: { [G]: { muted: true, muteEndsAt: '2026-12-01T01:00:00.000Z' } } });
    expect(effectivePrefs(d, place(C), now).muted).toBe(true);
    expect(effectivePrefs(d, place(C), new Date('2026-12-01T01:00:01Z')).muted).toBe(false);
  });
});

describe('stillHidden', () => {
  it('brings a DM back once a message newer than the one it was hidden at arrives', () => {
    expect(stillHidden('100', '100')).toBe(true);
    expect(stillHidden('100', '101')).toBe(false);
    expect(stillHidden(null, null)).toBe(true);
    expect(stillHidden(null, '1')).toBe(false);
    // Compared as numbers: ids of different lengths.
    expect(stillHidden('99', '100')).toBe(false);
  });
});
