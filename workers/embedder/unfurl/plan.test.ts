import { EMBED_LIMITS, embedsTextLength, MAX_EMBEDS_PER_MESSAGE, type Embed } from '@gochat/embeds';
import { describe, expect, it } from 'vitest';

import { fitEmbeds, linksToUnfurl } from './plan.ts';

const links = (n: number) => Array.from({ length: n }, (_, i) => `https://site${i}.example/`);
const rich = (n: number, description = 'x'): Embed[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'rich', title: `manual ${i}`, description }));
const preview = (i: number, description = 'y'): Embed => ({
  type: 'link',
  url: `https://site${i}.example/`,
  title: `preview ${i}`,
  description,
});

describe('linksToUnfurl', () => {
  it('takes the links in order, normalised and deduplicated, at most 5', () => {
    const content = `see ${links(7).join(' and ')} and again https://SITE0.example/#top`;
    expect(linksToUnfurl(content, 0)).toEqual(links(5));
  });

  it('skips links in code and angle brackets', () => {
    expect(linksToUnfurl('`https://a.example/` <https://b.example/> https://c.example/', 0)).toEqual([
      'https://c.example/',
    ]);
  });

  it('leaves room for the embeds sent with the message', () => {
    const content = links(7).join(' ');
    expect(linksToUnfurl(content, 5)).toEqual(links(5));
    expect(linksToUnfurl(content, 7)).toEqual(links(3));
    expect(linksToUnfurl(content, 9)).toEqual(links(1));
    expect(linksToUnfurl(content, MAX_EMBEDS_PER_MESSAGE)).toEqual([]);
    expect(linksToUnfurl(content, 12)).toEqual([]);
  });

  it('treats a nonsensical count as no embeds', () => {
    expect(linksToUnfurl(links(2).join(' '), -3)).toEqual(links(2));
    expect(linksToUnfurl(links(2).join(' '), Number.NaN)).toEqual(links(2));
  });

  it('finds nothing in a message without links', () => {
    expect(linksToUnfurl('no links here, javascript:alert(1)', 0)).toEqual([]);
  });
});

describe('fitEmbeds', () => {
  it('keeps every preview that fits', () => {
    const generated = [preview(0), preview(1)];
    expect(fitEmbeds(rich(2), generated)).toEqual(generated);
    expect(fitEmbeds([], generated)).toEqual(generated);
  });

  it('drops previews from the end beyond 10 embeds in all', () => {
    const generated = [0, 1, 2, 3, 4].map((i) => preview(i));
    expect(fitEmbeds(rich(7), generated)).toEqual(generated.slice(0, 3));
    expect(fitEmbeds(rich(10), generated)).toEqual([]);
  });

  it('drops previews from the end until the text fits in 6,000 characters', () => {
    const manual = rich(1, 'm'.repeat(3000));
    const generated = [
      preview(0, 'a'.repeat(1500)),
      preview(1, 'b'.repeat(1000)),
      preview(2, 'c'.repeat(1000)),
    ];
    const kept = fitEmbeds(manual, generated);
    expect(kept).toEqual(generated.slice(0, 2));
    expect(embedsTextLength([...manual, ...kept])).toBeLessThanOrEqual(EMBED_LIMITS.totalText);
  });

  it('counts code points, as the limits do', () => {
    const manual = rich(1, '😀'.repeat(5990 - 'manual 0'.length));
    expect(fitEmbeds(manual, [{ type: 'link', title: '😀'.repeat(10) }])).toHaveLength(1);
    expect(fitEmbeds(manual, [{ type: 'link', title: '😀'.repeat(11) }])).toEqual([]);
  });

  it('keeps an earlier preview even when a later one is dropped', () => {
    const generated = [preview(0, 'a'.repeat(5000)), preview(1, 'b'.repeat(2000))];
    expect(fitEmbeds([], generated)).toEqual([generated[0]]);
  });
});
