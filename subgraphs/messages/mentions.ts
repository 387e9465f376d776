import { isSnowflake } from '@gochat/ids';

/**
 * Mentions as written in a message's content, parsed on the server (what takes effect is decided
 * when sending: see store/messages.ts). Discord's syntax: `<@id>` and `<@!id>` (the legacy nickname
 * form) for users, `<@&id>` for roles, and the plain words `@everyone` and `@here`.
 */

/** At most this many distinct users, and as many roles, per message; later ones stay plain text. */
export const MAX_MENTIONS = 50;

export interface ParsedMentions {
  /** Distinct user ids, in order of first appearance. */
  users: string[];
  /** Distinct role ids, in order of first appearance. */
  roles: string[];
  everyone: boolean;
  here: boolean;
}

const TAG = /<@(!|&)?(\d+)>/g;
// Not inside a word or an address ("mail@everyone.example" is no mention).
const BROADCAST = /(?<![\w@])@(everyone|here)(?![\w@])/g;

export function parseMentions(content: string): ParsedMentions {
  const users = new Set<string>();
  const roles = new Set<string>();
  for (const [, prefix, id] of content.matchAll(TAG)) {
    const into = prefix === '&' ? roles : users;
    const canonical = id && canonicalId(id);
    if (canonical && into.size < MAX_MENTIONS) into.add(canonical);
  }
  let everyone = false;
  let here = false;
  for (const [, word] of content.matchAll(BROADCAST)) {
    if (word === 'everyone') everyone = true;
    else here = true;
  }
  return { users: [...users], roles: [...roles], everyone, here };
}

/** "007" and "7" name the same id; digits beyond a 64-bit id name nothing. */
function canonicalId(digits: string): string | undefined {
  if (digits.length > 25) return undefined;
  const canonical = BigInt(digits).toString();
  return isSnowflake(canonical) ? canonical : undefined;
}
