import { EVENT_TYPES } from '@gochat/events';
import { z } from 'zod';

/**
 * How the router serves each Subscription field, extracted at build time from the owning
 * subgraph's @event directive (scripts/compose-supergraph.ts) and committed next to the supergraph.
 */
export const subscriptionFieldSchema = z.object({
  /** Subgraph that declared the field. */
  owner: z.string(),
  /** Bus subject template; {arg} is a field argument. */
  subject: z.string(),
  /** A catalogued event type (packages/events), so the router compares it with the compiler's help. */
  eventType: z.enum(EVENT_TYPES),
  /** Field arguments and their GraphQL types, e.g. { channelId: 'ID!' }. */
  arguments: z.record(z.string(), z.string()),
  /** Selection run as the subscriber before subscribing, over the field's arguments as variables. */
  guard: z.string(),
  lookup: z.object({
    /** Query field that loads the payload. */
    field: z.string(),
    /** Lookup argument -> event data key. */
    arguments: z.record(z.string(), z.string()),
    /** Event data key -> GraphQL type of the lookup argument it feeds. */
    variableTypes: z.record(z.string(), z.string()),
  }),
  /** Hydration credential scope template, e.g. channel:{channelId}. */
  scope: z.string(),
});

export const subscriptionManifestSchema = z.object({
  fields: z.record(z.string(), subscriptionFieldSchema),
  /** Fields the router's real-time feeds serve (@feed in subgraphs/realtime; decision 0017). */
  feeds: z.array(z.string()),
});

export type SubscriptionField = z.infer<typeof subscriptionFieldSchema>;
export type SubscriptionManifest = z.infer<typeof subscriptionManifestSchema>;

/** The resume argument of every subscription field: a feed's position, never a guard variable. */
export const RESUME_ARGUMENT = 'after';

/** Fills {name} placeholders from values; every placeholder must have a value. */
export function renderTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if ((typeof value !== 'string' && typeof value !== 'number') || value === '')
      throw new Error(`template ${template}: no value for ${name}`);
    return String(value);
  });
}
