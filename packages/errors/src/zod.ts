import type { z } from 'zod';

import { DomainError } from './domain-error.ts';

/** Parses input with a zod schema and turns the first issue into a VALIDATION error naming the field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const message = issue ? `${field ? `${field}: ` : ''}${issue.message}` : 'Invalid input.';
  return raise(new DomainError('VALIDATION', message, field ? { details: { field } } : {}));
}

function raise(error: Error): never {
  throw error;
}
