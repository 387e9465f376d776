import {
  compareIds,
  useUnreadsQuery,
  useVoiceStatesQuery,
  type ChannelFieldsFragment,
  type VoiceStateFieldsFragment,
} from '@gochat/react';
import { NavLink } from 'react-router';

import { VoiceChannel } from '../voice/VoiceChannel.tsx';

const NO_STATES: readonly VoiceStateFieldsFragment[] = [];

/**
 * Channels by category, Discord's way: uncategorised first, then each category's channels. A voice
 * channel joins its call when clicked and lists who is in it (voiceStates, kept live by the feed).
 */
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
  const voice = useVoiceStatesQuery({ variables: { guildId } }).data?.voiceStates;
  const inCall = new Map<string, VoiceStateFieldsFragment[]>();
  for (const state of voice ?? []) {
    const list = inCall.get(state.channel.id);
    if (list) list.push(state);
    else inCall.set(state.channel.id, [state]);
  }
  const states = new Map(
    (data?.unreads.guilds.find((g) => g.guildId === guildId)?.channels ?? []).map((s) => [s.channelId, s]),
  );
  const byPosition = [...channels].sort((a, b) => a.position - b.position || compareIds(a.id, b.id));
  const categories = byPosition.filter((c) => c.kind === 'CATEGORY');
  const voiceChannels = byPosition.filter((c) => c.kind === 'VOICE');
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
                if (channel.kind === 'VOICE')
                  return (
                    <li key={channel.id} className="voice">
                      <VoiceChannel
                        guildId={guildId}
                        channel={channel}
                        states={inCall.get(channel.id) ?? NO_STATES}
                        voiceChannels={voiceChannels}
                      />
                    </li>
                  );
                return (
                  <li key={channel.id} className={unread ? 'unread' : undefined}>
                    <NavLink to={`/guilds/${guildId}/${channel.id}`}>
                      {'# '}
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
