import { compareIds, useUnreadsQuery, type ChannelFieldsFragment } from '@gochat/react';
import { NavLink } from 'react-router';

/** Channels by category, Discord's way: uncategorised first, then each category's channels. */
export function ChannelList({
  guildId,
  channels,
  activeId,
}: {
  guildId: string;
  channels: readonly ChannelFieldsFragment[];
  activeId: string;
}) {
  const { data } = useUnreadsQuery();
  const states = new Map(
    (data?.unreads.guilds.find((g) => g.guildId === guildId)?.channels ?? []).map((s) => [s.channelId, s]),
  );
  const byPosition = [...channels].sort((a, b) => a.position - b.position || compareIds(a.id, b.id));
  const categories = byPosition.filter((c) => c.kind === 'CATEGORY');
  const groups = [
    { id: null as string | null, name: null as string | null },
    ...categories.map((c) => ({ id: c.id, name: c.name })),
  ];
  return (
    <nav aria-label="Channels">
      {groups.map((group) => {
        const members = byPosition.filter(
          (c) => c.kind !== 'CATEGORY' && (c.parent?.id ?? null) === group.id,
        );
        if (!members.length && group.id === null) return null;
        return (
          <section key={group.id ?? 'none'}>
            {group.name && <h3>{group.name}</h3>}
            <ul>
              {members.map((channel) => {
                const state = states.get(channel.id);
                const unread = channel.id !== activeId && state?.unread;
                return (
                  <li key={channel.id} className={unread ? 'unread' : undefined}>
                    <NavLink to={`/guilds/${guildId}/${channel.id}`}>
                      {channel.kind === 'VOICE' ? '🔊 ' : '# '}
                      {channel.name}
                      {unread ? <span className="visually-hidden"> (unread)</span> : null}
                    </NavLink>
                    {state && state.mentionCount > 0 && channel.id !== activeId && (
                      <span className="badge" aria-label={`${state.mentionCount} mentions`}>
                        {state.mentionCount}
                      </span>
                    )}
                  </li>
                );
              })}
            </ul>
          </section>
        );
      })}
    </nav>
  );
}
