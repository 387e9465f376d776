import { useThreadQuery } from '@gochat/react';

import { ErrorText } from '../errors.tsx';
import { ChannelView } from './ChannelView.tsx';

/** A thread beside its channel: the same message view, on the thread's id. */
export function ThreadView({
  threadId,
  guildId,
  roleName,
  onClose,
}: {
  threadId: string;
  guildId: string;
  roleName: (roleId: string) => string | undefined;
  onClose: () => void;
}) {
  const { data, error } = useThreadQuery({ variables: { id: threadId } });
  if (error) return <ErrorText error={error} />;
  if (!data) return <p className="loading">Loading…</p>;
  return (
    <ChannelView
      channelId={threadId}
      guildId={guildId}
      name={data.thread.name}
      isThread
      roleName={roleName}
      onClose={onClose}
    />
  );
}
