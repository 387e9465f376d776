import { useGoChat, type ChannelFieldsFragment, type VoiceStateFieldsFragment } from '@gochat/react';

import { Avatar } from '../media/Avatar.tsx';
import { HeadphonesIcon, MicIcon, SpeakerIcon } from './icons.tsx';
import { ParticipantMenu } from './ParticipantMenu.tsx';
import { CONNECT, DEAFEN_MEMBERS, hasVoicePermission, MOVE_MEMBERS, MUTE_MEMBERS } from './permissions.ts';
import { useVoiceCall } from './useVoiceCall.ts';

/**
 * A voice channel in the channel list: a button that joins its call (with CONNECT), and who is in the
 * call, with their mute and deafen, a ring while they speak (in the viewer's own call), and for
 * moderators a menu on each of the others.
 */
export function VoiceChannel({
  guildId,
  channel,
  states,
  voiceChannels,
}: {
  guildId: string;
  channel: ChannelFieldsFragment;
  /** The voice states of this channel's call. */
  states: readonly VoiceStateFieldsFragment[];
  /** Every voice channel of the guild (where members can be moved). */
  voiceChannels: readonly ChannelFieldsFragment[];
}) {
  const { viewerId } = useGoChat();
  const { call, state: mine } = useVoiceCall();
  const name = channel.name ?? '';
  const canConnect = hasVoicePermission(channel.myPermissions, CONNECT);
  const here = mine.channelId === channel.id && mine.phase !== 'idle' && mine.phase !== 'disconnected';
  const rights = {
    mute: hasVoicePermission(channel.myPermissions, MUTE_MEMBERS),
    deafen: hasVoicePermission(channel.myPermissions, DEAFEN_MEMBERS),
    move: hasVoicePermission(channel.myPermissions, MOVE_MEMBERS),
  };
  const moderates = rights.mute || rights.deafen || rights.move;
  const limit = channel.userLimit > 0 ? channel.userLimit : null;
  const people = [...states].sort(
    (a, b) =>
      Date.parse(a.joinedAt) - Date.parse(b.joinedAt) || a.user.displayName.localeCompare(b.user.displayName),
  );
  return (
    <>
      <button
        type="button"
        className={`voice-channel ${here ? 'here' : ''}`}
        aria-label={`Join voice channel ${name}`}
        aria-current={here ? 'true' : undefined}
        disabled={!canConnect}
        title={canConnect ? undefined : 'You may not connect to this channel'}
        onClick={() => {
          if (here && mine.phase !== 'failed') return;
          void call.join(channel.id);
        }}
      >
        <SpeakerIcon /> {name}
        {limit !== null && (
          <span className="voice-count" aria-hidden="true">
            {' '}
            {states.length}/{limit}
          </span>
        )}
      </button>
      {people.length > 0 && (
        <ul className="voice-participants" aria-label={`In ${name}`}>
          {people.map((state) => {
            const userId = state.user.id;
            const speaking = here && mine.phase === 'connected' && mine.speaking.has(userId);
            const displayName = state.user.displayName;
            return (
              <li key={userId} className={`voice-participant ${speaking ? 'speaking' : ''}`}>
                <span
                  className="voice-avatar"
                  {...(speaking ? { role: 'img', 'aria-label': 'Speaking' } : { 'aria-hidden': true })}
                >
                  <Avatar name={displayName} url={null} size={20} />
                </span>
                <span className="name">{displayName}</span>
                <span className="voice-flags">
                  {state.serverMute ? (
                    <MicIcon off label="Server muted" className="server" />
                  ) : state.selfMute ? (
                    <MicIcon off label="Muted" />
                  ) : null}
                  {state.serverDeaf ? (
                    <HeadphonesIcon off label="Server deafened" className="server" />
                  ) : state.selfDeaf ? (
                    <HeadphonesIcon off label="Deafened" />
                  ) : null}
                </span>
                {moderates && userId !== viewerId && (
                  <ParticipantMenu
                    guildId={guildId}
                    state={state}
                    name={displayName}
                    rights={rights}
                    channels={voiceChannels.filter((c) => c.id !== channel.id)}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
