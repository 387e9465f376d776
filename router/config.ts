import fs from 'node:fs';

import { publicUrl, routerSection, secretsSection } from '@gochat/config';
import { Kind, parse } from 'graphql';
import { z } from 'zod';

import { resolveMutationRules } from './rate-limit-rules.ts';

/** What the router reads beyond the shared infrastructure sections. */
export const routerConfigSchema = z
  .object({
    publicUrl,
    secrets: secretsSection('internal'),
    router: routerSection,
  })
  .superRefine((config, ctx) => {
    for (const problem of resolveMutationRules(config.router.rateLimits, apiMutationFields()).problems)
      ctx.addIssue({
        code: 'custom',
        path: ['router', 'rateLimits', ...problem.path],
        message: problem.message,
      });
  });

export type RouterConfig = z.infer<typeof routerConfigSchema>;

let mutationFields: ReadonlySet<string> | undefined;

/** The root mutation fields of the API the router serves (supergraph/api-schema.graphql). */
export function apiMutationFields(): ReadonlySet<string> {
  if (!mutationFields) {
    const sdl = fs.readFileSync(new URL('../supergraph/api-schema.graphql', import.meta.url), 'utf8');
    const fields = new Set<string>();
    for (const definition of parse(sdl).definitions)
      if (
        (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) &&
        definition.name.value === 'Mutation'
      )
        for (const field of definition.fields ?? []) fields.add(field.name.value);
    mutationFields = fields;
  }
  return mutationFields;
}
