import fs from 'node:fs';

import { subjectPatterns } from '@gochat/events';
import { describe, expect, it } from 'vitest';

import { renderTemplate, subscriptionManifestSchema } from './manifest.ts';

const manifest = subscriptionManifestSchema.parse(
  JSON.parse(fs.readFileSync('supergraph/subscriptions.json', 'utf8')),
);

describe('subscription manifest', () => {
  it('declares messageCreated on the subject the catalogue builds for a channel wherever it lives', () => {
    const spec = manifest.fields.messageCreated!;
    expect(renderTemplate(spec.subject, { channelId: 'c1' })).toBe(subjectPatterns.channelAnywhere('c1'));
    expect(spec.eventType).toBe('MessageCreated');
  });

  it('refuses an event type the catalogue does not know', () => {
    const spec = { ...manifest.fields.messageCreated!, eventType: 'MessageSent' };
    expect(
      subscriptionManifestSchema.safeParse({ ...manifest, fields: { messageCreated: spec } }).success,
    ).toBe(false);
  });
});
