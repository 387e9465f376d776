import { useGoChat, type MessageFieldsFragment } from '@gochat/react';
import type { ReactNode } from 'react';

const TAG = /<@(!|&)?(\d+)>|@everyone|@here/g;

/**
 * A message's text with its mentions shown as names (`<@id>` → @Alice, `<@&id>` → @role), the
 * viewer's own mentions highlighted, as Discord does. Names come with the message (mentions.users).
 */
export function MessageContent({
  message,
  roleName,
}: {
  message: Pick<MessageFieldsFragment, 'content' | 'mentions'>;
  roleName?: (roleId: string) => string | undefined;
}) {
  const { viewerId } = useGoChat();
  const users = new Map(message.mentions.users.map((u) => [u.id, u.displayName]));
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of message.content.matchAll(TAG)) {
    const at = match.index;
    if (at > last) parts.push(message.content.slice(last, at));
    const [text, kind, id] = match;
    if (!id)
      parts.push(
        <span key={at} className="mention">
          {text}
        </span>,
      );
    else if (kind === '&')
      parts.push(
        <span key={at} className="mention">
          @{roleName?.(id) ?? 'role'}
        </span>,
      );
    else {
      const name = users.get(id);
      parts.push(
        <span key={at} className={`mention${id === viewerId ? ' me' : ''}`}>
          @{name ?? 'unknown user'}
        </span>,
      );
    }
    last = at + text.length;
  }
  if (last < message.content.length) parts.push(message.content.slice(last));
  return <>{parts}</>;
}
