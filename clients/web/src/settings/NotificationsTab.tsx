import { useMyGuildsQuery, type GuildSettingsInput, type NotificationLevel } from '@gochat/react';

import { ErrorText } from '../errors.tsx';
import { mutedNow } from './mute.ts';
import { useSettings } from './useSettings.ts';

const LEVELS: { value: NotificationLevel | ''; label: string }[] = [
  { value: '', label: 'Default (all messages)' },
  { value: 'ALL', label: 'All messages' },
  { value: 'MENTIONS', label: 'Only @mentions' },
  { value: 'NOTHING', label: 'Nothing' },
];

/** Mute lengths offered, as Discord offers them; 0: until unmuted. */
const MUTES: { value: string; label: string; minutes: number }[] = [
  { value: '15', label: 'For 15 minutes', minutes: 15 },
  { value: '60', label: 'For 1 hour', minutes: 60 },
  { value: '480', label: 'For 8 hours', minutes: 480 },
  { value: '1440', label: 'For 24 hours', minutes: 1440 },
  { value: 'always', label: 'Until I unmute it', minutes: 0 },
];

/**
 * Per guild: how much it notifies (all messages, mentions, nothing), a mute (timed or until undone),
 * and whether @everyone/@here and role mentions count. A muted guild's channels leave the unread
 * badges but stay readable.
 */
export function NotificationsTab() {
  const guilds = useMyGuildsQuery().data?.myGuilds ?? [];
  const { settings, update, error, saving } = useSettings();
  if (!settings) return <p className="loading">Loading…</p>;
  const byGuild = new Map(settings.guilds.map((g) => [g.guildId, g]));
  return (
    <div className="settings-form">
      {guilds.length === 0 && <p className="empty">Join a guild to choose its notifications.</p>}
      {guilds.map((guild) => {
        const entry = byGuild.get(guild.id);
        const muted = mutedNow(entry);
        const change = (input: GuildSettingsInput) =>
          void update({ guilds: [{ guildId: guild.id, settings: input }] });
        return (
          <fieldset key={guild.id} className="guild-notifications">
            <legend>{guild.name}</legend>
            <label>
              Notifications
              <select
                value={entry?.level ?? ''}
                disabled={saving}
                onChange={(event) =>
                  change({ level: (event.target.value || null) as NotificationLevel | null })
                }
              >
                {LEVELS.map((level) => (
                  <option key={level.value} value={level.value}>
                    {level.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Mute
              <select
                value={muted ? 'muted' : 'off'}
                disabled={saving}
                onChange={(event) => {
                  const value = event.target.value;
                  if (value === 'off') return change({ muted: false, muteEndsAt: null });
                  const mute = MUTES.find((m) => m.value === value);
                  if (!mute) return;
                  const ends = mute.minutes
                    ? new Date(Date.now() + mute.minutes * 60_000).toISOString()
                    : null;
                  change({ muted: true, muteEndsAt: ends });
                }}
              >
                <option value="off">Not muted</option>
                {muted && (
                  <option value="muted">
                    {entry?.muteEndsAt
                      ? `Muted until ${new Date(entry.muteEndsAt).toLocaleString()}`
                      : 'Muted until I unmute it'}
                  </option>
                )}
                {MUTES.map((mute) => (
                  <option key={mute.value} value={mute.value}>
                    {mute.label}
                  </option>
                ))}
              </select>
            </label>
            <div className="settings-row">
              <label>
                <input
                  type="checkbox"
                  checked={entry?.suppressEveryone ?? false}
                  disabled={saving}
                  onChange={(event) => change({ suppressEveryone: event.target.checked })}
                />
                Suppress @everyone and @here
              </label>
              <label>
                <input
                  type="checkbox"
                  checked={entry?.suppressRoles ?? false}
                  disabled={saving}
                  onChange={(event) => change({ suppressRoles: event.target.checked })}
                />
                Suppress role mentions
              </label>
            </div>
          </fieldset>
        );
      })}
      <ErrorText error={error} />
    </div>
  );
}
