import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { isStorableText, unstorableTextError, unstorableTextPath } from './text-check.ts';

describe('unstorable text', () => {
  it('is a NUL or an unpaired surrogate; paired surrogates and other control characters are fine', () => {
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('a\ud800b')).toBe(false);
    expect(isStorableText('a\udc00')).toBe(false);
    expect(isStorableText('\ude00\ud83d')).toBe(false); // both halves, in the wrong order
    expect(isStorableText('emoji 😀, tab\t, bell\u0007, é')).toBe(true);
  });

  it('is found at any depth of a JSON value, object keys included, with its path', () => {
    expect(unstorableTextPath({ input: { name: 'ok', tags: ['fine', 'x\u0000'] } })).toBe('input.tags.1');
    expect(unstorableTextPath({ input: { ['k\ud800']: 1 } })).toBe('input');
    expect(unstorableTextPath({ n: 1, b: true, s: 'fine', nested: [{ deep: null }] })).toBeUndefined();
  });

  it('refuses inline literals and variables with VALIDATION naming the argument', () => {
    const literal = unstorableTextError(
      parse('mutation { createGuild(input: { name: "a\\u0000b" }) { id } }'),
      {},
    );
    expect(literal?.extensions).toMatchObject({ code: 'VALIDATION', field: 'input.name' });
    // graphql-js itself refuses a lone surrogate in a literal (a parse error), so only NUL gets there.
    const document = parse('mutation($n: String!) { createGuild(input: { name: $n }) { id } }');
    const variable = unstorableTextError(document, { n: 'a\ud800' });
    expect(variable?.extensions).toMatchObject({ code: 'VALIDATION', field: '$n' });
    expect(variable?.message).toMatch(/NUL characters or unpaired UTF-16 surrogates/);
    expect(unstorableTextError(document, { n: 'a 😀 b' })).toBeUndefined();
  });
});
