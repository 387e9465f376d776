import {
  useGoChat,
  useMyDirectChannelsQuery,
  useUnreadsQuery,
  type ChannelFieldsFragment,
} from '@gochat/react';
import { useEffect } from 'react';
import { NavLink, useMatch, useNavigate } from 'react-router';

import { useSettings } from '../settings/useSettings.ts';

/** A DM is named after the other person; a group DM by its name or its members. */
export function directName(channel: ChannelFieldsFragment, viewerId: string | null): string {
  if (channel.name) return channel.name;
  const others = channel.recipients.filter((u) => u.id !== viewerId).map((u) => u.displayName);
  return others.length ? others.join(', ') : 'Just you';
}

/**
 * The viewer's DMs and group DMs, with unread badges; DirectChannelCreated events keep it current.
 * A DM can be hidden (synced to every device); a new message in it brings it back, as in Discord.
 */
export function DirectList() {
  const { viewerId } = useGoChat();
  const { settings, update, saving } = useSettings();
  const navigate = useNavigate();
  const open = useMatch('/dms/:channelId')?.params.channelId;
  const { data, refetch } = useMyDirectChannelsQuery();
  const unreads = useUnreadsQuery();
  const states = unreads.data?.unreads.directChannels ?? [];
  const unread = new Set(states.filter((s) => s.unread).map((s) => s.channelId));
  // A hidden DM comes back with a message newer than the one it was hidden at (the server lists it
  // again): when the badges' read states show such a message for a DM the list lacks, read the list.
  const listed = new Set(data?.myDirectChannels.map((c) => c.id));
  const hiddenAt = new Map(settings?.hiddenDirectChannels.map((h) => [h.channelId, h.lastMessageId]));
  const returning = states
    .filter(
      (s) =>
        data && s.lastMessageId && !listed.has(s.channelId) && hiddenAt.get(s.channelId) !== s.lastMessageId,
    )
    .map((s) => `${s.channelId}:${s.lastMessageId}`)
    .join();
  useEffect(() => {
    if (returning) void refetch().catch(() => {});
  }, [returning, refetch]);
  if (!data?.myDirectChannels.length) return null;
  return (
    <nav aria-label="Direct messages">
      <h2 className="rail-heading">Direct messages</h2>
      <ul>
        {data.myDirectChannels.map((channel) => (
          <li key={channel.id} className={unread.has(channel.id) ? 'direct unread' : 'direct'}>
            <NavLink to={`/dms/${channel.id}`}>
              @ {directName(channel, viewerId)}
              {unread.has(channel.id) ? <span className="visually-hidden"> (unread)</span> : null}
            </NavLink>
            <button
              type="button"
              className="hide-direct"
              aria-label={`Hide ${directName(channel, viewerId)}`}
              title="Hide (it comes back with a new message)"
              disabled={saving}
              onClick={() => {
                void update({ hiddenDirectChannels: [{ channelId: channel.id, hidden: true }] }).then(
                  (saved) => {
                    if (saved && open === channel.id) void navigate('/');
                  },
                );
              }}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
