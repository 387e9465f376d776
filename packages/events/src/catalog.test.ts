import fs from 'node:fs';

import { describe, expect, it } from 'vitest';

import { EVENT_TYPES, newEvent, subjects } from './catalog.ts';

const doc = fs.readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');

describe('event catalogue', () => {
  it('documents every event type in docs/events.md, and nothing else', () => {
    const documented = [...doc.matchAll(/^\|\s*`([A-Z][A-Za-z]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('documents every subject family', () => {
    for (const subject of [
      subjects.user('<userId>'),
      subjects.guild('<guildId>'),
      subjects.channelMessages('<channelId>'),
    ])
      expect(doc).toContain(`\`${subject}\``);
  });

  it('builds events whose subject and payload match the catalogue', () => {
    expect(
      newEvent('MessageDeleted', subjects.channelMessages('7'), {
        messageId: '1',
        channelId: '7',
        parentChannelId: '7',
        guildId: '3',
        actorId: '9',
      }),
    ).toEqual({
      type: 'MessageDeleted',
      subject: 'channel.7.messages',
      data: { messageId: '1', channelId: '7', parentChannelId: '7', guildId: '3', actorId: '9' },
    });
  });
});
