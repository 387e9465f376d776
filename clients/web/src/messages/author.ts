/**
 * A message's author as its guild knows them (Discord's server profile): the nickname in the colour
 * of their highest coloured role, and the guild avatar before their own. Pure, so that the message
 * list, pins, search hits and the mentions inbox show an author the same way (MessageAuthor.tsx).
 */

/** What a message carries about its author (MessageFields: `author`, and `member`, null outside guilds). */
export interface AuthorSource {
  author: { displayName: string; avatarUrl?: string | null | undefined };
  member?: { nickname: string | null; color: number | null; avatarUrl: string | null } | null | undefined;
}

export interface GuildAuthor {
  /** The nickname in the guild, else the account's display name. */
  name: string;
  /** The account's display name: a tooltip when the nickname hides it. */
  displayName: string;
  /** CSS colour of the highest coloured role; undefined keeps the default text colour. */
  color: string | undefined;
  /** The guild avatar, else the user's own, else null: the initials of `name` are shown. */
  avatarUrl: string | null;
}

/** A role colour (0xRRGGBB) as CSS; 0 and null mean "no colour", as roles store it. */
export function roleColor(color: number | null | undefined): string | undefined {
  return color ? `#${color.toString(16).padStart(6, '0')}` : undefined;
}

export function guildAuthor({ author, member }: AuthorSource): GuildAuthor {
  return {
    // An empty nickname is no nickname: the name must never render blank.
    name: member?.nickname || author.displayName,
    displayName: author.displayName,
    color: roleColor(member?.color),
    avatarUrl: member?.avatarUrl || author.avatarUrl || null,
  };
}
