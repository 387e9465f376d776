import { z } from 'zod';

import { EMBED_LIMITS, MAX_EMBEDS_PER_MESSAGE } from './limits.ts';
import { parseHttpUrl } from './normalise-url.ts';
import { codePointLength } from './text.ts';
import type { Embed } from './types.ts';

/**
 * Checking the embeds a user (or bot) sends with a message, against GoChat's limits (Discord's).
 * Lengths are in code points. Unknown properties are dropped, `type` is always 'rich' whatever was
 * sent, and media (image, thumbnail) are taken as a URL only: dimensions are for the server to find out.
 */

export interface RichEmbedIssue {
  /** Where in the input, as `embeds[0].fields[3].value`; `embeds` for the list as a whole. */
  path: string;
  message: string;
}

export type RichEmbedsResult = { ok: true; embeds: Embed[] } | { ok: false; issues: RichEmbedIssue[] };

function text(max: number) {
  return z.string().superRefine((value, ctx) => {
    if (value.trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      return;
    }
    const length = codePointLength(value);
    if (length > max) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${max} characters, not ${length}` });
    }
  });
}

/**
 * An absolute http(s) URL of at most EMBED_LIMITS.url characters, in its WHATWG form (punycode host).
 * The fragment is kept, since a user may link to a section; credentials are refused, since
 * `https://bank.example@evil.example` shows one site and opens another.
 */
const httpUrl = z.string().transform((value, ctx) => {
  if (value.length > EMBED_LIMITS.url) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${EMBED_LIMITS.url} characters` });
    return z.NEVER;
  }
  const url = /^https?:\/\//i.test(value.trim()) ? parseHttpUrl(value) : null;
  if (url === null) {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
    return z.NEVER;
  }
  if (url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password' });
    return z.NEVER;
  }
  if (url.href.length > EMBED_LIMITS.url) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${EMBED_LIMITS.url} characters` });
    return z.NEVER;
  }
  return url.href;
});

const mediaSchema = z.object({ url: httpUrl });

const fieldSchema = z.object({
  name: text(EMBED_LIMITS.fieldName),
  value: text(EMBED_LIMITS.fieldValue),
  inline: z.boolean().optional(),
});

const embedSchema = z
  .object({
    type: z.string().optional(),
    title: text(EMBED_LIMITS.title).optional(),
    description: text(EMBED_LIMITS.description).optional(),
    url: httpUrl.optional(),
    timestamp: z.iso
      .datetime({
        offset: true,
        error: 'must be an ISO-8601 date and time with a time zone, as 2024-05-01T12:00:00Z',
      })
      .transform((value) => new Date(value).toISOString())
      .optional(),
    color: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be between 0 and 16777215 (0xFFFFFF)')
      .max(0xffffff, 'must be between 0 and 16777215 (0xFFFFFF)')
      .optional(),
    footer: z.object({ text: text(EMBED_LIMITS.footerText), iconUrl: httpUrl.optional() }).optional(),
    author: z
      .object({ name: text(EMBED_LIMITS.authorName), url: httpUrl.optional(), iconUrl: httpUrl.optional() })
      .optional(),
    image: mediaSchema.optional(),
    thumbnail: mediaSchema.optional(),
    fields: z
      .array(fieldSchema)
      .max(EMBED_LIMITS.fields, `must have at most ${EMBED_LIMITS.fields} fields`)
      .optional(),
  })
  .superRefine((embed, ctx) => {
    const shows =
      embed.title ?? embed.description ?? embed.footer ?? embed.author ?? embed.image ?? embed.thumbnail;
    if (shows === undefined && !embed.fields?.length) {
      ctx.addIssue({
        code: 'custom',
        message: 'must have a title, description, field, author, footer, image or thumbnail',
      });
    }
  });

type ParsedEmbed = z.output<typeof embedSchema>;

const embedsSchema = z
  .array(embedSchema)
  .max(MAX_EMBEDS_PER_MESSAGE, `a message has at most ${MAX_EMBEDS_PER_MESSAGE} embeds`)
  .superRefine((embeds, ctx) => {
    const length = embedsTextLength(embeds);
    if (length > EMBED_LIMITS.totalText) {
      ctx.addIssue({
        code: 'custom',
        message:
          `the embeds' text (titles, descriptions, fields, footers and authors) must be at most ` +
          `${EMBED_LIMITS.totalText} characters in all, not ${length}`,
      });
    }
  });

const ARTICLE: Record<string, string> = { object: 'an object', array: 'an array', undefined: 'undefined' };

/** Type errors in plain words: `must be a string`, `is required`. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  const expected = String(issue.expected);
  return `must be ${ARTICLE[expected] ?? `a ${expected}`}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let result = 'embeds';
  for (const key of path) result += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return result;
}

/** Total text of `embeds` as counted against EMBED_LIMITS.totalText, in code points. */
export function embedsTextLength(
  embeds: readonly Pick<Embed, 'title' | 'description' | 'footer' | 'author' | 'fields'>[],
): number {
  let total = 0;
  for (const embed of embeds) {
    total += codePointLength(embed.title ?? '') + codePointLength(embed.description ?? '');
    total += codePointLength(embed.footer?.text ?? '') + codePointLength(embed.author?.name ?? '');
    for (const field of embed.fields ?? [])
      total += codePointLength(field.name) + codePointLength(field.value);
  }
  return total;
}

function toEmbed(parsed: ParsedEmbed): Embed {
  const { type: _ignored, ...rest } = parsed;
  const embed: Embed = { type: 'rich' };
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (embed as unknown as Record<string, unknown>)[key] = value;
  }
  return embed;
}

/**
 * Checks the embeds sent with a message: an array of at most MAX_EMBEDS_PER_MESSAGE embeds within
 * EMBED_LIMITS. Returns the embeds as stored (type 'rich', URLs in WHATWG form, timestamps in UTC),
 * or every problem found, each with its path and a message for the sender.
 */
export function validateRichEmbeds(input: unknown): RichEmbedsResult {
  const result = embedsSchema.safeParse(input, { error: describeIssue });
  if (result.success) return { ok: true, embeds: result.data.map(toEmbed) };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  };
}
