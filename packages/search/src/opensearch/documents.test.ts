import { createSnowflakeGenerator } from '@gochat/ids';
import { describe, expect, it } from 'vitest';

import { TOMBSTONE_VERSION, type SearchDocument } from '../port.ts';
import { newestById } from '../batch.ts';
import { padId, routingFor, SEQ_WIDTH, toSource, tombstoneSource } from './documents.ts';

const sentAt = Date.UTC(2026, 2, 4, 5, 6, 7, 8);
const id = createSnowflakeGenerator(3, () => sentAt).next();

const doc = (overrides: Partial<SearchDocument> = {}): SearchDocument => ({
  id,
  guildId: '10',
  channelId: '20',
  parentChannelId: '20',
  authorId: '30',
  content: 'Crème Brûlée',
  mentions: { users: ['40'], roles: ['50'], everyone: true },
  has: ['link', 'image'],
  pinned: true,
  version: 1234,
  ...overrides,
});

describe('seq: the id as a sortable keyword', () => {
  it('pads to a fixed width, so string order is numeric order', () => {
    expect(padId('42')).toBe('00000000000000000042');
    expect(padId('9223372036854775807')).toHaveLength(SEQ_WIDTH);
    const ids = ['9', '10', '123456789012345678', '1000', '99'];
    const byString = ids.map(padId).toSorted();
    const byNumber = ids.toSorted((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).map(padId);
    expect(byString).toEqual(byNumber);
  });

  it('refuses what is not a snowflake', () => {
    expect(() => padId('12a')).toThrow(RangeError);
    expect(() => padId('-1')).toThrow(RangeError);
    expect(() => padId('9223372036854775808')).toThrow(RangeError);
  });
});

describe('routing', () => {
  it('routes by guild, and every DM by one value', () => {
    expect(routingFor('123')).toBe('123');
    expect(routingFor(null)).toBe('dm');
  });
});

describe('document sources', () => {
  it('maps every field, with the time from the snowflake and the content as written', () => {
    expect(toSource(doc(), 999)).toEqual({
      seq: padId(id),
      guild_id: '10',
      channel_id: '20',
      parent_channel_id: '20',
      author_id: '30',
      content: 'Crème Brûlée',
      mentions_users: ['40'],
      mentions_roles: ['50'],
      mentions_everyone: true,
      has: ['link', 'image'],
      pinned: true,
      in_thread: false,
      created_at: sentAt,
      version: 1234,
      deleted: false,
      indexed_at: 999,
    });
  });

  it('marks thread messages, keeps DMs without a guild, and strips highlight markers', () => {
    const source = toSource(doc({ guildId: null, channelId: '21', content: 'a\u0002b\u0003c' }), 1);
    expect(source.in_thread).toBe(true);
    expect(source.guild_id).toBeNull();
    expect(source.content).toBe('abc');
  });

  it('makes tombstones that outrank every real version', () => {
    expect(tombstoneSource({ id, guildId: null }, 5)).toEqual({
      seq: padId(id),
      guild_id: null,
      created_at: sentAt,
      version: TOMBSTONE_VERSION,
      deleted: true,
      indexed_at: 5,
    });
  });

  it('keeps the newest write of each message in a batch', () => {
    const older = doc({ version: 1 });
    const newer = doc({ version: 2, content: 'new' });
    const other = doc({ id: '77', version: 1 });
    expect(newestById([newer, older, other])).toEqual([newer, other]);
    expect(newestById([older, newer])).toEqual([newer]);
  });
});
