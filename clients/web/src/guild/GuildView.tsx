import { useGoChat, useGuildQuery, useMySettingsQuery } from '@gochat/react';
import { lazy, useId } from 'react';
import { Navigate, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { hasPermission, MANAGE_EMOJIS, MANAGE_GUILD } from '../media/format.ts';
import { ChannelView } from '../messages/ChannelView.tsx';
import { ThreadView } from '../messages/ThreadView.tsx';
import { GuildSearchBox } from '../search/GuildSearchBox.tsx';
import { SearchResults } from '../search/SearchResults.tsx';
import { useMessageSearch } from '../search/useMessageSearch.ts';
import { ModalButton } from '../shell/ModalButton.tsx';
import { VoicePanel } from '../voice/VoicePanel.tsx';
import { ChannelList } from './ChannelList.tsx';
import { CreateChannelButton } from './CreateChannelButton.tsx';
import { InviteButton } from './InviteButton.tsx';
import { MemberList } from './MemberList.tsx';
import { RememberChannel } from './RememberChannel.ts';
import { channelToOpen, selectedChannelOf } from './selectedChannel.ts';

const GuildProfile = lazy(() =>
  import('../settings/GuildProfile.tsx').then((module) => ({ default: module.GuildProfile })),
);
const GuildSettings = lazy(() =>
  import('../settings/GuildSettings.tsx').then((module) => ({ default: module.GuildSettings })),
);

/**
 * A guild: its channels, the open channel's messages, and its members, or an open thread, or the
 * results of a search. `?message=<id>` shows that message in the channel's (or thread's) history.
 */
export function GuildView() {
  const { guildId = '', channelId, threadId } = useParams();
  const navigate = useNavigate();
  const { viewerId } = useGoChat();
  const { data, error } = useGuildQuery({ variables: { id: guildId } });
  const settings = useMySettingsQuery();
  const search = useMessageSearch(guildId);
  const problemId = useId();
  const [params] = useSearchParams();
  const location = useLocation();
  const focusId = params.get('message');
  // The location's key: picking the same result again scrolls to it again.
  const focus = focusId ? { id: focusId, key: location.key } : null;
  const guild = data?.guild;
  if (error) return <ErrorText error={error} />;
  if (!guild) return <p className="loading">Loading…</p>;
  if (!channelId) {
    // The channel last open in this guild on any device (synced settings); without them, the first.
    if (!settings.data && !settings.error) return <p className="loading">Loading…</p>;
    const open = channelToOpen(
      guild.channels,
      selectedChannelOf(settings.data?.mySettings, guild.id),
      guild.systemChannel?.id ?? null,
    );
    // Keyed by the location: a navigation back to the guild batched with this redirect's own (a
    // quick second click) renders the same element again, and only a new one redirects again.
    return open ? (
      <Navigate key={location.key} to={`/guilds/${guild.id}/${open}`} replace />
    ) : (
      <p>No channels yet.</p>
    );
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
      {channel && <RememberChannel key={guild.id} guildId={guild.id} channelId={channel.id} />}
      <aside className="sidebar">
        <div className="sidebar-content">
          <h2>{guild.name}</h2>
          <InviteButton guildId={guild.id} channelId={channelId} />
          {manages && (
            <ModalButton label="Guild settings" className="secondary">
              {(close) => <GuildSettings guildId={guild.id} close={close} />}
            </ModalButton>
          )}
          <ModalButton label="My server profile" className="secondary">
            {(close) => <GuildProfile guildId={guild.id} close={close} />}
          </ModalButton>
          <ChannelList guildId={guild.id} channels={guild.channels} activeId={channelId} />
          <CreateChannelButton guildId={guild.id} />
        </div>
        <VoicePanel />
      </aside>
      {channel ? (
        <ChannelView
          key={channel.id}
          channelId={channel.id}
          guildId={guild.id}
          name={channel.name ?? ''}
          roleName={roleName}
          permissions={channel.myPermissions}
          focus={threadId ? null : focus}
          search={
            <GuildSearchBox
              guildId={guild.id}
              channels={guild.channels}
              search={search}
              problemId={problemId}
            />
          }
        />
      ) : (
        <p>This channel is gone.</p>
      )}
      {search.open ? (
        <SearchResults
          guildId={guild.id}
          search={search}
          problemId={problemId}
          // A thread opens where the results are: they make way for it.
          onOpen={(hit) => {
            if (hit.message.thread) search.close();
          }}
        />
      ) : threadId ? (
        <ThreadView
          key={threadId}
          threadId={threadId}
          guildId={guild.id}
          roleName={roleName}
          permissions={channel?.myPermissions}
          focus={focus}
          onClose={() => void navigate(`/guilds/${guild.id}/${channelId}`)}
        />
      ) : (
        <MemberList guildId={guild.id} />
      )}
    </div>
  );
}
