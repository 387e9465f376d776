import { Avatar } from '../media/Avatar.tsx';
import { guildAuthor, type AuthorSource } from './author.ts';

/**
 * A message's author as the guild knows them (author.ts): their avatar when `avatarSize` is given,
 * then their name in their role colour, with the account's own name as a tooltip when a nickname
 * hides it. The message list, pins, search hits and the mentions inbox all show authors with this.
 */
export function MessageAuthor({
  message,
  avatarSize,
  id,
}: {
  message: AuthorSource;
  /** Pixels; without it, the name alone. */
  avatarSize?: number;
  /** For aria-labelledby: the message list names each message after its author. */
  id?: string;
}) {
  const author = guildAuthor(message);
  return (
    <>
      {avatarSize !== undefined && (
        <>
          <Avatar
            name={author.name}
            url={author.avatarUrl}
            size={avatarSize}
            className="author-avatar"
          />{' '}
        </>
      )}
      <span
        id={id}
        className="author"
        style={author.color ? { color: author.color } : undefined}
        title={author.name === author.displayName ? undefined : author.displayName}
      >
        {author.name}
      </span>
    </>
  );
}
