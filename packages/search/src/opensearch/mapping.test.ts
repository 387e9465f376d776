import { describe, expect, it } from 'vitest';

import { ANALYZER, indexSettings, indexTemplate, messageMappings } from './mapping.ts';
import { concreteIndex, indexNames, isConcreteIndex } from './names.ts';
import { staleQuery, TOMBSTONE_GRACE_MS } from './scopes.ts';

describe('index template and mapping', () => {
  it('covers the prefix, ranks longer prefixes first, and carries settings and mappings', () => {
    const template = indexTemplate('gochat-messages', { shards: 1 });
    expect(template.index_patterns).toEqual(['gochat-messages-*']);
    expect(template.priority).toBe('gochat-messages'.length);
    expect(indexTemplate('gochat-messages-test', { shards: 1 }).priority).toBeGreaterThan(
      template.priority ?? 0,
    );
    expect(template.template?.settings).toMatchObject({ number_of_shards: 1 });
    expect(template.template?.settings).not.toHaveProperty('number_of_replicas');
    expect(indexSettings({ shards: 3, replicas: 0 })).toMatchObject({
      number_of_shards: 3,
      number_of_replicas: 0,
    });
  });

  it('splits words like foldWords and folds case and accents', () => {
    const analysis = indexSettings({ shards: 1 }).analysis as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    expect(analysis.analyzer?.[ANALYZER]).toEqual({
      type: 'custom',
      tokenizer: 'chat_words',
      filter: ['lowercase', 'chat_marks', 'chat_folding', 'chat_nonempty'],
    });
    expect(analysis.tokenizer?.chat_words).toEqual({ type: 'pattern', pattern: '[^\\p{L}\\p{N}\\p{M}]+' });
    expect(analysis.filter?.chat_folding).toEqual({ type: 'asciifolding', preserve_original: false });
  });

  it('maps ids as keywords and only content as text', () => {
    const { properties, dynamic } = messageMappings();
    expect(dynamic).toBe('strict');
    expect(properties?.content).toMatchObject({ type: 'text', analyzer: ANALYZER });
    for (const field of [
      'seq',
      'guild_id',
      'channel_id',
      'parent_channel_id',
      'author_id',
      'mentions_users',
      'has',
    ])
      expect(properties?.[field]).toEqual({ type: 'keyword' });
    expect(properties?.version).toEqual({ type: 'long' });
  });
});

describe('index names', () => {
  it('derives the alias, the building alias and concrete names', () => {
    const names = indexNames('gochat-messages');
    expect(names).toEqual({
      prefix: 'gochat-messages',
      alias: 'gochat-messages',
      building: 'gochat-messages-building',
    });
    expect(concreteIndex(names, new Date(1234))).toBe('gochat-messages-1234');
    expect(isConcreteIndex(names, 'gochat-messages-1234')).toBe(true);
    expect(isConcreteIndex(names, 'gochat-messages-building')).toBe(false);
    expect(isConcreteIndex(names, 'gochat-messages-test-1234')).toBe(false);
    expect(() => indexNames('Upper')).toThrow(RangeError);
  });
});

describe('rebuild clean-up', () => {
  it('drops untouched live documents of the scope, and tombstones past the grace period', () => {
    const startedAt = new Date(10 * TOMBSTONE_GRACE_MS);
    expect(staleQuery({ kind: 'guild', guildId: 'g' }, startedAt)).toEqual({
      bool: {
        filter: [
          { term: { guild_id: 'g' } },
          { range: { indexed_at: { lt: String(startedAt.getTime()), format: 'epoch_millis' } } },
          {
            bool: {
              should: [
                { term: { deleted: false } },
                { range: { indexed_at: { lt: String(9 * TOMBSTONE_GRACE_MS), format: 'epoch_millis' } } },
              ],
              minimum_should_match: 1,
            },
          },
        ],
      },
    });
  });
});
