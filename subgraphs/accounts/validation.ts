import { z } from 'zod';

/** Input rules shared by the GraphQL mutations and the /api/auth endpoints. */
export const displayName = z.string().trim().min(1, 'must not be empty').max(32, 'at most 32 characters');
export const handle = z
  .string()
  .regex(/^[a-z0-9_.]{2,32}$/, "2-32 of a-z, 0-9, '_' and '.'")
  .refine((h) => !h.includes('..'), 'must not contain two dots in a row');
export const email = z.email('must be an e-mail address').max(254);
export const password = z.string().min(8, 'at least 8 characters').max(128, 'at most 128 characters');

export const signUpInput = z.object({ email, password, displayName, handle: handle.nullish() });
export const signInInput = z.object({ email: z.string().max(254), password: z.string().max(128) });
export const updateProfileInput = z
  .object({ displayName: displayName.nullish(), handle: handle.nullish() })
  .refine((v) => v.displayName != null || v.handle != null, 'give a displayName or a handle to change');

/**
 * The account fields better-auth writes (REST sign-up, and any user update it makes), by the same
 * rules as the GraphQL mutations. GoChat has no profile images: better-auth's `image` stays empty.
 */
export const authUserFields = z.object({
  name: displayName.optional(),
  email: email.optional(),
  handle: handle.nullish(),
  image: z.null('not supported').optional(),
});
