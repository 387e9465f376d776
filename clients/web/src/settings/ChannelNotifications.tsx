import type { NotificationLevel } from '@gochat/react';

import { mutedNow } from './mute.ts';
import { useSettings } from './useSettings.ts';

const LEVELS: { value: NotificationLevel | ''; label: string }[] = [
  { value: '', label: 'Default notifications' },
  { value: 'ALL', label: 'All messages' },
  { value: 'MENTIONS', label: 'Only @mentions' },
  { value: 'NOTHING', label: 'Nothing' },
];

/**
 * A channel's (thread's, DM's) own notification level and mute, in its header: the level overrides
 * the guild's (a thread inherits its channel's); a muted channel leaves the unread badges but stays
 * readable. Synced like every setting.
 */
export function ChannelNotifications({ channelId }: { channelId: string }) {
  const { settings, update, saving } = useSettings();
  if (!settings) return null;
  const entry = settings.channels.find((c) => c.channelId === channelId);
  const muted = mutedNow(entry);
  return (
    <>
      <label className="channel-level">
        <span className="visually-hidden">Notifications for this channel</span>
        <select
          value={entry?.level ?? ''}
          disabled={saving}
          onChange={(event) =>
            void update({
              channels: [
                { channelId, settings: { level: (event.target.value || null) as NotificationLevel | null } },
              ],
            })
          }
        >
          {LEVELS.map((level) => (
            <option key={level.value} value={level.value}>
              {level.label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        aria-pressed={muted}
        title={muted ? 'Muted: left out of unread badges, still readable' : 'Mute this conversation'}
        disabled={saving}
        onClick={() =>
          void update({ channels: [{ channelId, settings: { muted: !muted, muteEndsAt: null } }] })
        }
      >
        Mute
      </button>
    </>
  );
}
