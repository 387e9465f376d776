import { APIError } from 'better-auth/api';
import { describe, expect, it } from 'vitest';

import { userFieldHooks } from './hooks.ts';

/** better-auth's user hooks: every write of user fields it makes obeys the GraphQL mutations' rules. */
describe('userFieldHooks', () => {
  const refusal = async (write: Promise<unknown>) => {
    const error = await write.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(APIError);
    return (error as APIError).body;
  };

  it('refuses an update with a name or handle that breaks the rules, naming the field', async () => {
    const update = userFieldHooks.update.before;
    expect(await refusal(update({ name: 'x'.repeat(900_000) }))).toMatchObject({
      code: 'VALIDATION',
      field: 'name',
    });
    expect(await refusal(update({ name: ' ' }))).toMatchObject({ code: 'VALIDATION', field: 'name' });
    expect(await refusal(update({ handle: 'Alice' }))).toMatchObject({ code: 'VALIDATION', field: 'handle' });
    expect(await refusal(update({ image: 'https://example.test/a.png' }))).toMatchObject({ field: 'image' });
  });

  it('passes other updates through, and trims the name', async () => {
    const verifiedAt = new Date();
    expect(await userFieldHooks.update.before({ emailVerified: true, updatedAt: verifiedAt })).toEqual({
      data: { emailVerified: true, updatedAt: verifiedAt },
    });
    expect(await userFieldHooks.update.before({ name: '  Bob ', handle: null })).toEqual({
      data: { name: 'Bob', handle: null },
    });
  });

  it('checks a created user the same way', async () => {
    const user = { name: 'Ann', email: 'ann@example.test', emailVerified: false, image: null };
    expect(await userFieldHooks.create.before(user)).toEqual({ data: user });
    expect(await refusal(userFieldHooks.create.before({ ...user, name: '' }))).toMatchObject({
      field: 'name',
    });
  });
});
