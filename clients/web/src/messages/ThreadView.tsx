import { useThreadQuery } from '@gochat/react';

import { ErrorText } from '../errors.tsx';
import { ChannelView } from './ChannelView.tsx';
import type { MessageFocus } from './focus.ts';

/** A thread beside its channel: the same message view, on the thread's id. */
export function ThreadView({
  threadId,
  guildId,
  roleName,
  focus = null,
  onClose,
  permissions = null,
}: {
  threadId: string;
  guildId: string;
  roleName: (roleId: string) => string | undefined;
  /** A message to show (a search result). */
  focus?: MessageFocus | null;
  onClose: () => void;
  /** The viewer's permissions in the thread's channel. */
  permissions?: string | null;
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
      focus={focus}
      onClose={onClose}
      permissions={permissions}
    />
  );
}
