import { useSeenByQuery } from '@gochat/react';

/**
 * Who has read up to the viewer's latest message. Other people's read positions are not in the
 * viewer's feed (they are private to each reader), so this asks again every 15 s while shown.
 */
export function SeenBy({
  channelId,
  messageId,
  viewerId,
}: {
  channelId: string;
  messageId: string;
  viewerId: string;
}) {
  const { data } = useSeenByQuery({ variables: { channelId, messageId }, pollInterval: 15_000 });
  const others = (data?.seenBy ?? []).filter((u) => u.id !== viewerId);
  if (!others.length) return null;
  const names = others.slice(0, 3).map((u) => u.displayName);
  const more = others.length > 3 ? ` and ${others.length - 3} more` : '';
  return (
    <p className="seen-by">
      Seen by {names.join(', ')}
      {more}
    </p>
  );
}
