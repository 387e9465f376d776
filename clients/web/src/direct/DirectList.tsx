import {
  useGoChat,
  useMyDirectChannelsQuery,
  useUnreadsQuery,
  type ChannelFieldsFragment,
} from '@gochat/react';
import { NavLink } from 'react-router';

/** A DM is named after the other person; a group DM by its name or its members. */
export function directName(channel: ChannelFieldsFragment, viewerId: string | null): string {
  if (channel.name) return channel.name;
  const others = channel.recipients.filter((u) => u.id !== viewerId).map((u) => u.displayName);
  return others.length ? others.join(', ') : 'Just you';
}

/** The viewer's DMs and group DMs, with unread badges; DirectChannelCreated events keep it current. */
export function DirectList() {
  const { viewerId } = useGoChat();
  const { data } = useMyDirectChannelsQuery();
  const unreads = useUnreadsQuery();
  const unread = new Set(
    (unreads.data?.unreads.directChannels ?? []).filter((s) => s.unread).map((s) => s.channelId),
  );
  if (!data?.myDirectChannels.length) return null;
  return (
    <nav aria-label="Direct messages">
      <h2 className="rail-heading">Direct messages</h2>
      <ul>
        {data.myDirectChannels.map((channel) => (
          <li key={channel.id} className={unread.has(channel.id) ? 'unread' : undefined}>
            <NavLink to={`/dms/${channel.id}`}>
              @ {directName(channel, viewerId)}
              {unread.has(channel.id) ? <span className="visually-hidden"> (unread)</span> : null}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
