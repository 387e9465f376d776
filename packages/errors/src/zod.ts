import type { z } from 'zod';

import { DomainError } from './domain-error.ts';

/**
 * Parses input with a zod schema and turns the first issue into a VALIDATION error naming the field
 * (`field` names a scalar argument; object inputs name their own paths).
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, field?: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [...(field ? [field] : []), ...(issue?.path.map(String) ?? [])].join('.');
  const message = issue ? `${path ? `${path}: ` : ''}${issue.message}` : 'Invalid input.';
  return raise(new DomainError('VALIDATION', message, path ? { details: { field: path } } : {}));
}

function raise(error: Error): never {
  throw error;
}
