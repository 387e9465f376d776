import { describe, expect, it } from 'vitest';

import { EMBED_LIMITS, MAX_EMBEDS_PER_MESSAGE } from './limits.ts';
import { embedsTextLength, validateRichEmbeds } from './rich-embeds.ts';
import type { RichEmbedIssue } from './rich-embeds.ts';

function issuesOf(input: unknown): RichEmbedIssue[] {
  const result = validateRichEmbeds(input);
  if (result.ok) throw new Error('expected the embeds to be refused');
  return result.issues;
}

function refuses(input: unknown, path: string, message: string | RegExp) {
  expect(issuesOf(input)).toContainEqual({ path, message: expect.stringMatching(message) });
}

describe('validateRichEmbeds: accepted embeds', () => {
  it('accepts a full embed and forces type rich', () => {
    const input = [
      {
        type: 'video',
        title: 'Release 1.2',
        description: 'What changed',
        url: 'https://Example.com/releases#1.2',
        timestamp: '2024-05-01T14:00:00+02:00',
        color: 0x5865f2,
        footer: { text: 'bot', iconUrl: 'https://example.com/bot.png' },
        author: { name: 'Ada', url: 'https://example.com/ada', iconUrl: 'https://example.com/ada.png' },
        image: { url: 'https://example.com/big.png', width: 10, height: 10 },
        thumbnail: { url: 'https://example.com/small.png' },
        fields: [
          { name: 'Added', value: 'things', inline: true },
          { name: 'Removed', value: 'other things' },
        ],
        video: { url: 'https://example.com/v.mp4' },
        provider: { name: 'spoofed' },
        unknown: 1,
      },
    ];
    expect(validateRichEmbeds(input)).toEqual({
      ok: true,
      embeds: [
        {
          type: 'rich',
          title: 'Release 1.2',
          description: 'What changed',
          url: 'https://example.com/releases#1.2',
          timestamp: '2024-05-01T12:00:00.000Z',
          color: 0x5865f2,
          footer: { text: 'bot', iconUrl: 'https://example.com/bot.png' },
          author: { name: 'Ada', url: 'https://example.com/ada', iconUrl: 'https://example.com/ada.png' },
          image: { url: 'https://example.com/big.png' },
          thumbnail: { url: 'https://example.com/small.png' },
          fields: [
            { name: 'Added', value: 'things', inline: true },
            { name: 'Removed', value: 'other things' },
          ],
        },
      ],
    });
  });

  it('accepts no embeds, and minimal ones', () => {
    expect(validateRichEmbeds([])).toEqual({ ok: true, embeds: [] });
    expect(
      validateRichEmbeds([
        { title: 'a' },
        { fields: [{ name: 'n', value: 'v' }] },
        { image: { url: 'https://a.example/i.png' } },
      ]),
    ).toEqual({
      ok: true,
      embeds: [
        { type: 'rich', title: 'a' },
        { type: 'rich', fields: [{ name: 'n', value: 'v' }] },
        { type: 'rich', image: { url: 'https://a.example/i.png' } },
      ],
    });
  });

  it('accepts every limit exactly', () => {
    const embed = {
      title: 't'.repeat(EMBED_LIMITS.title),
      description: 'd'.repeat(1000),
      footer: { text: 'f'.repeat(1000) },
      author: { name: 'a'.repeat(EMBED_LIMITS.authorName) },
      fields: [{ name: 'n'.repeat(EMBED_LIMITS.fieldName), value: 'v'.repeat(EMBED_LIMITS.fieldValue) }],
      color: 0xffffff,
    };
    expect(validateRichEmbeds([embed]).ok).toBe(true);
    expect(validateRichEmbeds([{ description: 'd'.repeat(EMBED_LIMITS.description) }]).ok).toBe(true);
    expect(validateRichEmbeds([{ footer: { text: 'f'.repeat(EMBED_LIMITS.footerText) } }]).ok).toBe(true);
    expect(validateRichEmbeds([{ color: 0, title: 'x' }]).ok).toBe(true);
    const fields = Array.from({ length: 25 }, (_, n) => ({ name: `n${n}`, value: 'v' }));
    expect(validateRichEmbeds([{ fields }]).ok).toBe(true);
    expect(
      validateRichEmbeds(Array.from({ length: MAX_EMBEDS_PER_MESSAGE }, () => ({ title: 'x' }))).ok,
    ).toBe(true);
  });

  it('counts lengths in code points: 256 emoji make a valid title', () => {
    expect(validateRichEmbeds([{ title: '😀'.repeat(256) }]).ok).toBe(true);
    refuses([{ title: '😀'.repeat(257) }], 'embeds[0].title', 'at most 256 characters, not 257');
  });

  it('keeps internationalised URLs in punycode', () => {
    const result = validateRichEmbeds([{ title: 'x', url: 'https://аpple.com/' }]);
    expect(result).toEqual({
      ok: true,
      embeds: [{ type: 'rich', title: 'x', url: 'https://xn--pple-43d.com/' }],
    });
  });
});

describe('validateRichEmbeds: each limit', () => {
  it('title 256', () => refuses([{ title: 'x'.repeat(257) }], 'embeds[0].title', /at most 256/));
  it('description 4096', () =>
    refuses([{ description: 'x'.repeat(4097) }], 'embeds[0].description', /at most 4096/));
  it('footer text 2048', () =>
    refuses([{ footer: { text: 'x'.repeat(2049) } }], 'embeds[0].footer.text', /at most 2048/));
  it('author name 256', () =>
    refuses([{ author: { name: 'x'.repeat(257) } }], 'embeds[0].author.name', /at most 256/));
  it('field name 256', () =>
    refuses(
      [{ fields: [{ name: 'x'.repeat(257), value: 'v' }] }],
      'embeds[0].fields[0].name',
      /at most 256/,
    ));
  it('field value 1024', () =>
    refuses(
      [{ fields: [{ name: 'n', value: 'x'.repeat(1025) }] }],
      'embeds[0].fields[0].value',
      /at most 1024/,
    ));

  it('26 fields', () => {
    const fields = Array.from({ length: 26 }, (_, n) => ({ name: `n${n}`, value: 'v' }));
    refuses([{ fields }], 'embeds[0].fields', 'at most 25 fields');
  });

  it('11 embeds', () => {
    refuses(
      Array.from({ length: 11 }, () => ({ title: 'x' })),
      'embeds',
      'a message has at most 10 embeds',
    );
  });

  it('6,000 characters in all, over every embed', () => {
    const embeds = (lastValue: number) => [
      { title: 't'.repeat(200), description: 'd'.repeat(4000) },
      { description: 'd'.repeat(1000), footer: { text: 'f'.repeat(500) } },
      {
        author: { name: 'a'.repeat(100) },
        fields: [{ name: 'n'.repeat(100), value: 'v'.repeat(lastValue) }],
      },
    ];
    expect(embedsTextLength(embeds(101))).toBe(6001);
    refuses(embeds(101), 'embeds', /at most 6000 characters in all, not 6001/);
    expect(validateRichEmbeds(embeds(100)).ok).toBe(true);
  });

  it('colour outside 0..0xFFFFFF, or not a whole number', () => {
    refuses([{ title: 'x', color: -1 }], 'embeds[0].color', /between 0 and 16777215/);
    refuses([{ title: 'x', color: 0x1000000 }], 'embeds[0].color', /between 0 and 16777215/);
    refuses([{ title: 'x', color: 1.5 }], 'embeds[0].color', 'must be a whole number');
    refuses([{ title: 'x', color: Number.POSITIVE_INFINITY }], 'embeds[0].color', /.+/);
    refuses([{ title: 'x', color: Number.NaN }], 'embeds[0].color', /.+/);
  });

  it('timestamps that are not ISO-8601 date-times with a zone', () => {
    for (const timestamp of [
      'yesterday',
      '2024-05-01',
      '2024-05-01T12:00:00',
      '2024-02-30T00:00:00Z',
      '1714564800',
    ]) {
      refuses([{ title: 'x', timestamp }], 'embeds[0].timestamp', /ISO-8601/);
    }
  });

  it('empty or blank text', () => {
    refuses([{ title: '' }], 'embeds[0].title', 'must not be empty');
    refuses([{ fields: [{ name: ' ', value: 'v' }] }], 'embeds[0].fields[0].name', 'must not be empty');
    refuses([{ fields: [{ name: 'n', value: '' }] }], 'embeds[0].fields[0].value', 'must not be empty');
    refuses([{ footer: { text: '\n' } }], 'embeds[0].footer.text', 'must not be empty');
  });

  it('an embed that shows nothing', () => {
    refuses([{}], 'embeds[0]', /must have a title/);
    refuses([{ color: 3, url: 'https://a.example/', fields: [] }], 'embeds[0]', /must have a title/);
  });
});

describe('validateRichEmbeds: URLs', () => {
  it('refuses non-http(s) URLs everywhere', () => {
    for (const bad of [
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'ftp://a.example/x',
      '/relative',
      'https//x',
      '',
    ]) {
      const issues = issuesOf([
        {
          title: 'x',
          url: bad,
          image: { url: bad },
          thumbnail: { url: bad },
          footer: { text: 'f', iconUrl: bad },
          author: { name: 'a', url: bad, iconUrl: bad },
        },
      ]);
      expect(issues.map((issue) => issue.path).sort()).toEqual(
        [
          'embeds[0].url',
          'embeds[0].image.url',
          'embeds[0].thumbnail.url',
          'embeds[0].footer.iconUrl',
          'embeds[0].author.url',
          'embeds[0].author.iconUrl',
        ].sort(),
      );
      expect(issues.every((issue) => issue.message === 'must be an absolute http:// or https:// URL')).toBe(
        true,
      );
    }
  });

  it('refuses URLs over 2048 characters', () => {
    refuses([{ title: 'x', url: `https://a.example/${'x'.repeat(2100)}` }], 'embeds[0].url', /at most 2048/);
    refuses([{ title: 'x', url: `https://a.example/${' '.repeat(1500)}x` }], 'embeds[0].url', /at most 2048/);
  });

  it('refuses credentials in URLs', () => {
    refuses(
      [{ title: 'x', url: 'https://bank.example@evil.example/' }],
      'embeds[0].url',
      /user name or password/,
    );
  });
});

describe('validateRichEmbeds: wrong types', () => {
  it('refuses anything but an array', () => {
    for (const input of [undefined, null, 'embeds', 42, { title: 'x' }]) {
      expect(issuesOf(input)).toEqual([
        { path: 'embeds', message: expect.stringMatching(/must be an array|is required/) },
      ]);
    }
  });

  it('refuses embeds that are not objects', () => {
    refuses(['x'], 'embeds[0]', 'must be an object');
    refuses([null], 'embeds[0]', 'must be an object');
    refuses([[]], 'embeds[0]', 'must be an object');
  });

  it('refuses properties of the wrong type, each at its path', () => {
    const issues = issuesOf([
      {
        title: 1,
        description: ['x'],
        color: '#fff',
        timestamp: 5,
        type: 3,
        footer: 'f',
        author: { url: 'https://a.example/' },
        image: 'https://a.example/i.png',
        fields: [{ name: 'n', value: 5, inline: 'yes' }, 'field'],
      },
    ]);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'embeds[0].title', message: 'must be a string' },
        { path: 'embeds[0].description', message: 'must be a string' },
        { path: 'embeds[0].color', message: 'must be a number' },
        { path: 'embeds[0].timestamp', message: expect.stringMatching(/ISO-8601/) },
        { path: 'embeds[0].type', message: 'must be a string' },
        { path: 'embeds[0].footer', message: 'must be an object' },
        { path: 'embeds[0].author.name', message: 'is required' },
        { path: 'embeds[0].image', message: 'must be an object' },
        { path: 'embeds[0].fields[0].value', message: 'must be a string' },
        { path: 'embeds[0].fields[0].inline', message: 'must be a boolean' },
        { path: 'embeds[0].fields[1]', message: 'must be an object' },
      ]),
    );
  });

  it('reports problems in several embeds at once', () => {
    const issues = issuesOf([{ title: 'ok' }, { title: 2 }, { color: -5, title: 'x' }]);
    expect(issues.map((issue) => issue.path)).toEqual(['embeds[1].title', 'embeds[2].color']);
  });
});

describe('embedsTextLength', () => {
  it('sums title, description, fields, footer and author, not URLs', () => {
    expect(
      embedsTextLength([
        {
          title: 'ab',
          description: 'cde',
          footer: { text: 'f' },
          author: { name: 'gh', url: 'https://long.example/' },
          fields: [{ name: 'i', value: 'jk' }],
        },
        { title: '😀' },
      ]),
    ).toBe(12);
    expect(embedsTextLength([])).toBe(0);
  });
});
