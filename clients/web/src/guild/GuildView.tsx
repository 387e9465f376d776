import { useGuildQuery } from '@gochat/react';
import { Navigate, useNavigate, useParams } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { ChannelView } from '../messages/ChannelView.tsx';
import { ThreadView } from '../messages/ThreadView.tsx';
import { ChannelList } from './ChannelList.tsx';
import { CreateChannelButton } from './CreateChannelButton.tsx';
import { InviteButton } from './InviteButton.tsx';
import { MemberList } from './MemberList.tsx';

/** A guild: its channels, the open channel's messages, and its members, or an open thread. */
export function GuildView() {
  const { guildId = '', channelId, threadId } = useParams();
  const navigate = useNavigate();
  const { data, error } = useGuildQuery({ variables: { id: guildId } });
  const guild = data?.guild;
  if (error) return <ErrorText error={error} />;
  if (!guild) return <p className="loading">Loading…</p>;
  const textChannels = guild.channels.filter((c) => c.kind === 'TEXT');
  if (!channelId) {
    const first = guild.systemChannel?.id ?? textChannels[0]?.id;
    return first ? <Navigate to={`/guilds/${guild.id}/${first}`} replace /> : <p>No channels yet.</p>;
  }
  const channel = guild.channels.find((c) => c.id === channelId);
  const roles = new Map(guild.roles.map((r) => [r.id, r.name]));
  const roleName = (roleId: string) => roles.get(roleId);
  return (
    <div className="guild">
      <aside className="sidebar">
        <h2>{guild.name}</h2>
        <InviteButton guildId={guild.id} channelId={channelId} />
        <ChannelList guildId={guild.id} channels={guild.channels} activeId={channelId} />
        <CreateChannelButton guildId={guild.id} />
      </aside>
      {channel ? (
        <ChannelView
          key={channel.id}
          channelId={channel.id}
          guildId={guild.id}
          name={channel.name ?? ''}
          roleName={roleName}
        />
      ) : (
        <p>This channel is gone.</p>
      )}
      {threadId ? (
        <ThreadView
          key={threadId}
          threadId={threadId}
          guildId={guild.id}
          roleName={roleName}
          onClose={() => void navigate(`/guilds/${guild.id}/${channelId}`)}
        />
      ) : (
        <MemberList guildId={guild.id} />
      )}
    </div>
  );
}
