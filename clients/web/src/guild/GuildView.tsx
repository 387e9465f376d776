import { useGoChat, useGuildQuery } from '@gochat/react';
import { lazy } from 'react';
import { Navigate, useNavigate, useParams } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { hasPermission, MANAGE_EMOJIS, MANAGE_GUILD } from '../media/format.ts';
import { ChannelView } from '../messages/ChannelView.tsx';
import { ThreadView } from '../messages/ThreadView.tsx';
import { ModalButton } from '../shell/ModalButton.tsx';
import { ChannelList } from './ChannelList.tsx';
import { CreateChannelButton } from './CreateChannelButton.tsx';
import { InviteButton } from './InviteButton.tsx';
import { MemberList } from './MemberList.tsx';

const GuildSettings = lazy(() =>
  import('../settings/GuildSettings.tsx').then((module) => ({ default: module.GuildSettings })),
);

/** A guild: its channels, the open channel's messages, and its members, or an open thread. */
export function GuildView() {
  const { guildId = '', channelId, threadId } = useParams();
  const navigate = useNavigate();
  const { viewerId } = useGoChat();
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
  const manages =
    guild.owner.id === viewerId ||
    hasPermission(guild.me.permissions, MANAGE_GUILD) ||
    hasPermission(guild.me.permissions, MANAGE_EMOJIS);
  return (
    <div className="guild">
      <aside className="sidebar">
        <h2>{guild.name}</h2>
        <InviteButton guildId={guild.id} channelId={channelId} />
        {manages && (
          <ModalButton label="Guild settings" className="secondary">
            {(close) => <GuildSettings guildId={guild.id} close={close} />}
          </ModalButton>
        )}
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
