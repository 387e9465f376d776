import { describe, expect, it } from 'vitest';

import { mergeResolvers } from './merge-resolvers.ts';

describe('mergeResolvers', () => {
  const me = () => 'me';
  const user = () => 'user';
  const signIn = () => 'signIn';

  it('joins the fields areas give one type, and keeps the types only one area has', () => {
    const merged = mergeResolvers<Record<string, Record<string, unknown>>>(
      { Query: { me } },
      { Query: { user }, Mutation: { signIn } },
    );
    expect(merged).toEqual({ Query: { me, user }, Mutation: { signIn } });
  });

  it('throws when two areas define the same field', () => {
    expect(() => mergeResolvers({ Query: { me } }, { Query: { me: user } })).toThrow(
      'resolver Query.me defined twice',
    );
  });
});
