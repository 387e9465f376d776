import { useGoChat, useMyDirectChannelsQuery } from '@gochat/react';
import { useLocation, useParams, useSearchParams } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { ChannelView } from '../messages/ChannelView.tsx';
import { directName } from './DirectList.tsx';

/** A DM or group DM: the same message view, without a guild. `?message=<id>` shows that message. */
export function DirectView() {
  const { channelId = '' } = useParams();
  const [params] = useSearchParams();
  const location = useLocation();
  const focusId = params.get('message');
  // The location's key: opening the same message again scrolls to it again.
  const focus = focusId ? { id: focusId, key: location.key } : null;
  const { viewerId } = useGoChat();
  const { data, error } = useMyDirectChannelsQuery();
  if (error) return <ErrorText error={error} />;
  if (!data) return <p className="loading">Loading…</p>;
  const channel = data.myDirectChannels.find((c) => c.id === channelId);
  if (!channel) return <p role="alert">Not found: this conversation is not one of yours.</p>;
  return (
    <div className="direct">
      <ChannelView
        key={channel.id}
        channelId={channel.id}
        guildId={null}
        name={directName(channel, viewerId)}
        isDirect
        focus={focus}
      />
    </div>
  );
}
