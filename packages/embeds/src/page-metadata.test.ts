import { describe, expect, it } from 'vitest';

import { parsePageMetadata } from './page-metadata.ts';

const PAGE = 'https://news.example/articles/2024/story.html';

function head(content: string): string {
  return `<!doctype html><html><head>${content}</head><body><p>body</p></body></html>`;
}

describe('parsePageMetadata: what it reads', () => {
  it('reads a full head', () => {
    const html = head(`
      <meta charset="utf-8">
      <title>  Story title | News  </title>
      <meta name="description" content="A description.">
      <meta name="theme-color" content="#336699">
      <meta name="author" content="Ada Lovelace">
      <link rel="canonical" href="/articles/2024/story">
      <link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
      <meta property="og:title" content="OG title">
      <meta property="og:description" content="OG description">
      <meta property="og:site_name" content="News">
      <meta property="og:type" content="Article">
      <meta property="og:url" content="https://news.example/articles/2024/story">
      <meta property="og:image" content="https://cdn.news.example/a.jpg">
      <meta property="og:image:secure_url" content="https://cdn.news.example/a-secure.jpg">
      <meta property="og:image:width" content="1200">
      <meta property="og:image:height" content="630">
      <meta property="og:image:alt" content="A picture">
      <meta property="og:video" content="https://news.example/v.mp4">
      <meta property="og:video:secure_url" content="https://news.example/v-secure.mp4">
      <meta property="og:video:type" content="video/MP4">
      <meta property="og:video:width" content="1280">
      <meta property="og:video:height" content="720">
      <meta name="twitter:card" content="summary_large_image">
      <meta name="twitter:title" content="TW title">
      <meta name="twitter:description" content="TW description">
      <meta name="twitter:image" content="https://cdn.news.example/t.jpg">
      <meta name="twitter:image:alt" content="TW alt">
      <meta name="twitter:player" content="https://news.example/player">
      <meta name="twitter:player:width" content="640">
      <meta name="twitter:player:height" content="360">
      <meta name="twitter:site" content="@news">
      <meta name="twitter:creator" content="@ada">
    `);
    expect(parsePageMetadata(html, PAGE)).toEqual({
      title: 'Story title | News',
      description: 'A description.',
      themeColor: '#336699',
      author: 'Ada Lovelace',
      canonicalUrl: 'https://news.example/articles/2024/story',
      oembedUrl: 'https://news.example/oembed?url=x',
      openGraph: {
        title: 'OG title',
        description: 'OG description',
        siteName: 'News',
        type: 'article',
        url: 'https://news.example/articles/2024/story',
        image: { url: 'https://cdn.news.example/a-secure.jpg', width: 1200, height: 630, alt: 'A picture' },
        video: {
          url: 'https://news.example/v-secure.mp4',
          width: 1280,
          height: 720,
          contentType: 'video/mp4',
        },
      },
      twitter: {
        card: 'summary_large_image',
        title: 'TW title',
        description: 'TW description',
        image: { url: 'https://cdn.news.example/t.jpg', alt: 'TW alt' },
        player: { url: 'https://news.example/player', width: 640, height: 360 },
        site: '@news',
        creator: '@ada',
      },
    });
  });

  it('gives empty groups for a page without metadata', () => {
    expect(parsePageMetadata('', PAGE)).toEqual({ openGraph: {}, twitter: {} });
    expect(parsePageMetadata('<html><body>hi</body></html>', PAGE)).toEqual({ openGraph: {}, twitter: {} });
  });

  it('accepts og: in name= and twitter: in property=, in any case', () => {
    const html = head('<meta name="OG:Title" content="a"><meta property="twitter:card" content="Summary">');
    const page = parsePageMetadata(html, PAGE);
    expect(page.openGraph.title).toBe('a');
    expect(page.twitter.card).toBe('summary');
  });

  it('keeps the first value of a repeated tag', () => {
    const html = head(
      '<title>one</title><title>two</title><meta name="description" content="first"><meta name="description" content="second">',
    );
    expect(parsePageMetadata(html, PAGE)).toMatchObject({ title: 'one', description: 'first' });
  });

  it('keeps the first og:image with its own properties only', () => {
    const html = head(`
      <meta property="og:image" content="/a.png">
      <meta property="og:image:url" content="/a.png">
      <meta property="og:image:width" content="100">
      <meta property="og:image" content="/b.png">
      <meta property="og:image:width" content="200">
      <meta property="og:image:height" content="300">
    `);
    expect(parsePageMetadata(html, PAGE).openGraph.image).toEqual({
      url: 'https://news.example/a.png',
      width: 100,
    });
  });

  it('applies image properties written before og:image', () => {
    const html = head(
      '<meta property="og:image:width" content="640"><meta property="og:image" content="/a.png">',
    );
    expect(parsePageMetadata(html, PAGE).openGraph.image).toEqual({
      url: 'https://news.example/a.png',
      width: 640,
    });
  });

  it('accepts twitter:image:src', () => {
    const html = head('<meta name="twitter:image:src" content="https://a.example/i.png">');
    expect(parsePageMetadata(html, PAGE).twitter.image).toEqual({ url: 'https://a.example/i.png' });
  });

  it('reads article:author as a name or as a profile URL', () => {
    expect(parsePageMetadata(head('<meta property="article:author" content="Grace">'), PAGE)).toMatchObject({
      author: 'Grace',
    });
    const withUrl = parsePageMetadata(
      head('<meta property="article:author" content="https://news.example/grace">'),
      PAGE,
    );
    expect(withUrl.author).toBeUndefined();
    expect(withUrl.authorUrl).toBe('https://news.example/grace');
  });

  it('ignores oEmbed discovery links in XML and links without href', () => {
    const html = head(
      '<link rel="alternate" type="text/xml+oembed" href="/x.xml"><link rel="canonical"><link rel="alternate canonical" href="/c">',
    );
    expect(parsePageMetadata(html, PAGE)).toMatchObject({ canonicalUrl: 'https://news.example/c' });
    expect(parsePageMetadata(html, PAGE).oembedUrl).toBeUndefined();
  });

  it('ignores a title inside an inline SVG', () => {
    const html = '<html><head><svg><title>icon</title></svg><title>Page</title></head></html>';
    expect(parsePageMetadata(html, PAGE).title).toBe('Page');
  });
});

describe('parsePageMetadata: text', () => {
  it('decodes entities in text and attributes', () => {
    const html = head(
      '<title>Tom &amp; Jerry &#8211; &quot;Cats&quot; &lt;3</title><meta property="og:title" content="caf&eacute; &#x1F600; &copy;">',
    );
    const page = parsePageMetadata(html, PAGE);
    expect(page.title).toBe('Tom & Jerry – "Cats" <3');
    expect(page.openGraph.title).toBe('café 😀 ©');
  });

  it('does not treat markup in the title as tags', () => {
    expect(parsePageMetadata(head('<title><b>bold</b> text</title>'), PAGE).title).toBe('<b>bold</b> text');
  });

  it('collapses whitespace in one-line fields and keeps line breaks in descriptions', () => {
    const html = head(
      '<title>\n  A\n  title\n</title><meta name="description" content="line one\nline two">',
    );
    expect(parsePageMetadata(html, PAGE)).toMatchObject({
      title: 'A title',
      description: 'line one\nline two',
    });
  });

  it('drops empty values', () => {
    const html = head(
      '<title>   </title><meta property="og:title" content=""><meta name="description" content=" ">',
    );
    expect(parsePageMetadata(html, PAGE)).toEqual({ openGraph: {}, twitter: {} });
  });

  it('caps titles at 256, descriptions at 4096 and other text at 2048 code points', () => {
    const html = head(
      `<title>${'t'.repeat(1000)}</title><meta name="description" content="${'d'.repeat(10_000)}">` +
        `<meta property="og:site_name" content="${'😀'.repeat(3000)}">`,
    );
    const page = parsePageMetadata(html, PAGE);
    expect(page.title).toHaveLength(256);
    expect(page.title?.endsWith('…')).toBe(true);
    expect(page.description).toHaveLength(4096);
    expect([...page.openGraph.siteName!]).toHaveLength(2048);
  });
});

describe('parsePageMetadata: URLs', () => {
  it('resolves relative URLs against the page', () => {
    const html = head(
      '<meta property="og:image" content="../img/a.png"><meta property="og:url" content="?page=2"><link rel="canonical" href="//other.example/c">',
    );
    const page = parsePageMetadata(html, PAGE);
    expect(page.openGraph.image?.url).toBe('https://news.example/articles/img/a.png');
    expect(page.openGraph.url).toBe('https://news.example/articles/2024/story.html?page=2');
    expect(page.canonicalUrl).toBe('https://other.example/c');
  });

  it('resolves against <base href>', () => {
    const html = head(
      '<base href="https://static.example/assets/"><meta property="og:image" content="a.png">',
    );
    expect(parsePageMetadata(html, PAGE).openGraph.image?.url).toBe('https://static.example/assets/a.png');
  });

  it('drops javascript:, data: and other non-http URLs', () => {
    const html = head(`
      <meta property="og:image" content="javascript:alert(1)">
      <meta name="twitter:image" content="data:image/png;base64,AAAA">
      <meta property="og:video" content="ftp://a.example/v.mp4">
      <link rel="canonical" href="javascript:alert(1)">
    `);
    expect(parsePageMetadata(html, PAGE)).toEqual({ openGraph: {}, twitter: {} });
  });

  it('falls back from a bad secure_url to the plain one', () => {
    const html = head(
      '<meta property="og:image" content="http://a.example/i.png"><meta property="og:image:secure_url" content="javascript:x">',
    );
    expect(parsePageMetadata(html, PAGE).openGraph.image?.url).toBe('http://a.example/i.png');
  });

  it('keeps only absolute URLs when the page URL is unusable', () => {
    const html = head(
      '<meta property="og:image" content="/a.png"><meta name="twitter:image" content="https://a.example/t.png">',
    );
    const page = parsePageMetadata(html, 'not a url');
    expect(page.openGraph.image).toBeUndefined();
    expect(page.twitter.image?.url).toBe('https://a.example/t.png');
  });

  it('normalises URLs: punycode, no fragment, no credentials', () => {
    const html = head('<meta property="og:image" content="https://user:pw@bücher.example/a.png#x">');
    expect(parsePageMetadata(html, PAGE).openGraph.image?.url).toBe('https://xn--bcher-kva.example/a.png');
  });

  it('drops URLs over 2048 characters', () => {
    const html = head(`<meta property="og:image" content="https://a.example/${'x'.repeat(3000)}">`);
    expect(parsePageMetadata(html, PAGE).openGraph.image).toBeUndefined();
  });

  it('ignores bad dimensions', () => {
    const html = head(
      '<meta property="og:image" content="/a.png"><meta property="og:image:width" content="-5"><meta property="og:image:height" content="huge">',
    );
    expect(parsePageMetadata(html, PAGE).openGraph.image).toEqual({ url: 'https://news.example/a.png' });
    const px = head(
      '<meta property="og:image" content="/a.png"><meta property="og:image:width" content="800px">',
    );
    expect(parsePageMetadata(px, PAGE).openGraph.image?.width).toBe(800);
  });
});

describe('parsePageMetadata: broken and hostile pages', () => {
  it('reads a page without <head>', () => {
    const html = '<title>No head</title><meta property="og:title" content="still read"><p>text';
    expect(parsePageMetadata(html, PAGE)).toMatchObject({
      title: 'No head',
      openGraph: { title: 'still read' },
    });
  });

  it('stops at </head> and at <body>', () => {
    const closed = '<head><title>t</title></head><meta property="og:title" content="in body">';
    expect(parsePageMetadata(closed, PAGE).openGraph.title).toBeUndefined();
    const bodyOnly = '<title>t</title><body><meta property="og:title" content="in body">';
    expect(parsePageMetadata(bodyOnly, PAGE).openGraph.title).toBeUndefined();
  });

  it('reads broken markup: unclosed tags, unquoted attributes, stray brackets', () => {
    const html =
      '<html><head><meta property=og:title content=Unquoted><div><meta name="description" content="after a div"<meta property="og:type" content="website"><title>Unclosed';
    const page = parsePageMetadata(html, PAGE);
    expect(page.openGraph.title).toBe('Unquoted');
    expect(page.title).toBe('Unclosed');
  });

  it('reads windows-1252 bytes declared by <meta charset>', () => {
    const bytes = Buffer.concat([
      Buffer.from('<html><head><meta charset="windows-1252"><title>Caf', 'latin1'),
      Buffer.from([0xe9, 0x20, 0x80, 0x20, 0x93, 0x71, 0x94]),
      Buffer.from('</title></head></html>', 'latin1'),
    ]);
    expect(parsePageMetadata(bytes, PAGE).title).toBe('Café € “q”');
  });

  it('reads Shift_JIS bytes named by the charset hint', () => {
    const bytes = Buffer.concat([
      Buffer.from('<title>', 'latin1'),
      Buffer.from([0x93, 0xfa, 0x96, 0x7b]),
      Buffer.from('</title>', 'latin1'),
    ]);
    expect(parsePageMetadata(bytes, PAGE, 'text/html; charset=Shift_JIS').title).toBe('日本');
  });

  it('falls back to UTF-8 for an unknown charset', () => {
    const bytes = Buffer.from('<meta charset="x-klingon"><title>naïve</title>', 'utf8');
    expect(parsePageMetadata(bytes, PAGE, 'also-unknown').title).toBe('naïve');
  });

  it('reads only the first 500 meta tags, quickly, among 10,000', () => {
    const metas = Array.from({ length: 10_000 }, (_, n) => `<meta name="x${n}" content="${n}">`).join('');
    const html = head(`${metas}<meta property="og:title" content="too late"><title>still read</title>`);
    const start = performance.now();
    const page = parsePageMetadata(html, PAGE);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(page.openGraph.title).toBeUndefined();
    expect(page.title).toBe('still read');
    const early = head(`${metas.slice(0, 499 * 30)}<meta property="og:title" content="in time">`);
    expect(parsePageMetadata(early, PAGE).openGraph.title).toBeDefined();
  });

  it('reads only the first 512 KiB', () => {
    const filler = `<!--${'x'.repeat(600 * 1024)}-->`;
    const late = `<head>${filler}<title>late</title></head>`;
    expect(parsePageMetadata(late, PAGE).title).toBeUndefined();
    expect(parsePageMetadata(Buffer.from(late), PAGE).title).toBeUndefined();
    const early = `<head><title>early</title>${filler}</head>`;
    expect(parsePageMetadata(early, PAGE).title).toBe('early');
  });

  it('returns quickly on a huge body after the head', () => {
    const html = `<head><title>t</title></head><body>${'<div>'.repeat(100_000)}`;
    const start = performance.now();
    expect(parsePageMetadata(html, PAGE).title).toBe('t');
    expect(performance.now() - start).toBeLessThan(500);
  });

  it('survives binary garbage', () => {
    const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, n) => (n * 7919) % 256));
    expect(() => parsePageMetadata(bytes, PAGE)).not.toThrow();
  });

  it('caps an endless title', () => {
    const html = `<title>${'a '.repeat(200_000)}`;
    expect(parsePageMetadata(html, PAGE).title?.length).toBeLessThanOrEqual(256);
  });
});
