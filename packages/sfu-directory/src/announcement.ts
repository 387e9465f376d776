import { z } from 'zod';

import { KEY_SEGMENT } from './keys.ts';
import type { SfuNode } from './types.ts';

/** What a node writes at its key; `lease` lets the API bind rooms to the node's lifetime. */
export const announcementSchema = z.strictObject({
  id: z.string().regex(KEY_SEGMENT),
  region: z.string().regex(KEY_SEGMENT),
  url: z.url({ protocol: /^wss?$/ }),
  load: z.number().int().min(0),
  version: z.string().max(64),
  lease: z.string().regex(/^[0-9]{1,20}$/),
});

export type Announcement = z.infer<typeof announcementSchema>;

/** The announcement in a value, or undefined when it is not one (logged by the caller, never trusted). */
export function parseAnnouncement(value: Buffer | string): Announcement | undefined {
  try {
    const parsed = announcementSchema.safeParse(JSON.parse(value.toString()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const toNode = ({ id, region, url, load, version }: Announcement): SfuNode => ({
  id,
  region,
  url,
  load,
  version,
});
