import { describe, expect, it } from 'vitest';

import { MAX_MENTIONS, parseMentions } from './mentions.ts';

describe('parseMentions', () => {
  it('finds users in both forms, roles, and the two broadcast words', () => {
    expect(parseMentions('hi <@12> and <@!34>, <@&56> and @everyone @here')).toEqual({
      users: ['12', '34'],
      roles: ['56'],
      everyone: true,
      here: true,
    });
  });

  it('returns nothing for plain text', () => {
    expect(parseMentions('no one here, everyone')).toEqual({
      users: [],
      roles: [],
      everyone: false,
      here: false,
    });
  });

  it('deduplicates, in order of first appearance, and treats <@id> and <@!id> as one user', () => {
    expect(parseMentions('<@2> <@1> <@!2> <@1> <@&9> <@&9> <@02>')).toMatchObject({
      users: ['2', '1'],
      roles: ['9'],
    });
  });

  it('keeps a user and a role with the same id apart', () => {
    expect(parseMentions('<@5> <@&5>')).toMatchObject({ users: ['5'], roles: ['5'] });
  });

  it('ignores malformed tags and ids beyond 64 bits', () => {
    expect(
      parseMentions('<@> <@abc> <@ 1> <@&> <@#3> <@99999999999999999999> <@9223372036854775808> <#7>'),
    ).toEqual({ users: [], roles: [], everyone: false, here: false });
    expect(parseMentions('<@9223372036854775807>').users).toEqual(['9223372036854775807']);
  });

  it('needs @everyone and @here as words of their own', () => {
    expect(parseMentions('mail@everyone.example')).toMatchObject({ everyone: false });
    expect(parseMentions('@everyones @heretic')).toMatchObject({ everyone: false, here: false });
    expect(parseMentions('(@everyone), @here!')).toMatchObject({ everyone: true, here: true });
    expect(parseMentions('@@here')).toMatchObject({ here: false });
  });

  it(`caps users and roles at ${MAX_MENTIONS} each; the rest stay plain text`, () => {
    const many = (prefix: string) =>
      Array.from({ length: MAX_MENTIONS + 10 }, (_, i) => `<@${prefix}${i + 1}>`).join(' ');
    const parsed = parseMentions(`${many('')} ${many('&')}`);
    expect(parsed.users).toHaveLength(MAX_MENTIONS);
    expect(parsed.roles).toHaveLength(MAX_MENTIONS);
    expect(parsed.users.at(-1)).toBe(String(MAX_MENTIONS));
  });
});
