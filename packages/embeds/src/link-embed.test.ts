import { describe, expect, it } from 'vitest';

import { buildLinkEmbed } from './link-embed.ts';
import { parseOembed } from './oembed.ts';
import { parsePageMetadata } from './page-metadata.ts';
import type { PageMetadata } from './types.ts';

const ID = 'dQw4w9WgXcQ';

function page(overrides: Partial<PageMetadata> = {}): PageMetadata {
  return { openGraph: {}, twitter: {}, ...overrides };
}

describe('buildLinkEmbed: direct files', () => {
  it('makes an image embed from an image URL', () => {
    expect(
      buildLinkEmbed({
        url: 'https://CDN.example/cat.png#x',
        media: { contentType: 'image/png', width: 640, height: 480 },
      }),
    ).toEqual({
      type: 'image',
      url: 'https://cdn.example/cat.png',
      image: { url: 'https://cdn.example/cat.png', width: 640, height: 480, contentType: 'image/png' },
    });
  });

  it('makes video and audio embeds, ignoring Content-Type parameters', () => {
    expect(
      buildLinkEmbed({ url: 'https://a.example/v.mp4', media: { contentType: 'Video/MP4; codecs=avc1' } }),
    ).toEqual({
      type: 'video',
      url: 'https://a.example/v.mp4',
      video: { url: 'https://a.example/v.mp4', contentType: 'video/mp4' },
    });
    expect(
      buildLinkEmbed({
        url: 'https://a.example/s.ogg',
        media: { contentType: 'audio/ogg', width: 5, height: 5 },
      }),
    ).toEqual({
      type: 'audio',
      url: 'https://a.example/s.ogg',
      audio: { url: 'https://a.example/s.ogg', contentType: 'audio/ogg' },
    });
  });

  it('drops bad dimensions', () => {
    const embed = buildLinkEmbed({
      url: 'https://a.example/i.gif',
      media: { contentType: 'image/gif', width: -1, height: 1.5 },
    });
    expect(embed?.image).toEqual({ url: 'https://a.example/i.gif', contentType: 'image/gif' });
  });

  it('shows no SVG, and falls back to the page for non-media types', () => {
    expect(
      buildLinkEmbed({ url: 'https://a.example/i.svg', media: { contentType: 'image/svg+xml' } }),
    ).toBeNull();
    expect(
      buildLinkEmbed({
        url: 'https://a.example/',
        media: { contentType: 'text/html' },
        metadata: page({ title: 'Page' }),
      }),
    ).toMatchObject({ type: 'link', title: 'Page' });
  });
});

describe('buildLinkEmbed: pages', () => {
  it('gives null when there is nothing to show', () => {
    expect(buildLinkEmbed({ url: 'https://a.example/' })).toBeNull();
    expect(buildLinkEmbed({ url: 'https://a.example/', metadata: page() })).toBeNull();
    expect(
      buildLinkEmbed({ url: 'https://a.example/', metadata: page({ themeColor: '#fff', author: 'x' }) }),
    ).toBeNull();
    expect(buildLinkEmbed({ url: 'javascript:alert(1)', metadata: page({ title: 'x' }) })).toBeNull();
  });

  it('makes a link embed from a title alone, a description alone or an image alone', () => {
    expect(buildLinkEmbed({ url: 'https://a.example/', metadata: page({ title: 'T' }) })).toEqual({
      type: 'link',
      url: 'https://a.example/',
      title: 'T',
    });
    expect(
      buildLinkEmbed({ url: 'https://a.example/', metadata: page({ description: 'D' }) })?.description,
    ).toBe('D');
    expect(
      buildLinkEmbed({
        url: 'https://a.example/',
        metadata: page({ openGraph: { image: { url: 'https://a.example/i.png' } } }),
      })?.thumbnail,
    ).toEqual({ url: 'https://a.example/i.png' });
  });

  it('prefers OpenGraph over Twitter over plain tags', () => {
    const metadata = page({
      title: 'plain title',
      description: 'plain description',
      openGraph: { title: 'og title' },
      twitter: { title: 'tw title', description: 'tw description' },
    });
    expect(buildLinkEmbed({ url: 'https://a.example/', metadata })).toMatchObject({
      title: 'og title',
      description: 'tw description',
    });
  });

  it('builds an article with site, author, colour and thumbnail from a real head', () => {
    const html = `<html><head>
      <title>Story | News</title>
      <meta name="theme-color" content="#123456">
      <meta property="og:type" content="article">
      <meta property="og:title" content="Story">
      <meta property="og:description" content="What happened.">
      <meta property="og:site_name" content="News">
      <meta property="og:url" content="https://elsewhere.example/">
      <meta property="og:image" content="/pic.jpg">
      <meta name="author" content="Ada">
      <meta property="article:author" content="https://news.example/ada">
    </head></html>`;
    const metadata = parsePageMetadata(html, 'https://news.example/story');
    expect(buildLinkEmbed({ url: 'https://news.example/story#comments', metadata })).toEqual({
      type: 'article',
      url: 'https://news.example/story',
      title: 'Story',
      description: 'What happened.',
      color: 0x123456,
      siteName: 'News',
      provider: { name: 'News' },
      author: { name: 'Ada', url: 'https://news.example/ada' },
      thumbnail: { url: 'https://news.example/pic.jpg' },
    });
  });

  it('shows a large image for summary_large_image and a thumbnail otherwise', () => {
    const image = { url: 'https://a.example/i.png', width: 1200, height: 630 };
    const large = buildLinkEmbed({
      url: 'https://a.example/',
      metadata: page({ title: 'T', openGraph: { image }, twitter: { card: 'summary_large_image' } }),
    });
    expect(large?.image).toEqual(image);
    expect(large?.thumbnail).toBeUndefined();
    const small = buildLinkEmbed({
      url: 'https://a.example/',
      metadata: page({ title: 'T', openGraph: { image }, twitter: { card: 'summary' } }),
    });
    expect(small?.thumbnail).toEqual(image);
    expect(small?.image).toBeUndefined();
  });

  it('falls back to twitter:image', () => {
    const embed = buildLinkEmbed({
      url: 'https://a.example/',
      metadata: page({ title: 'T', twitter: { image: { url: 'https://a.example/t.png', alt: 'alt' } } }),
    });
    expect(embed?.thumbnail).toEqual({ url: 'https://a.example/t.png' });
  });

  it('makes a video embed from og:video', () => {
    const embed = buildLinkEmbed({
      url: 'https://a.example/watch/1',
      metadata: page({
        openGraph: {
          type: 'video.other',
          title: 'Clip',
          image: { url: 'https://a.example/poster.jpg' },
          video: { url: 'https://a.example/v.mp4', width: 1280, height: 720, contentType: 'video/mp4' },
        },
        twitter: { card: 'summary_large_image' },
      }),
    });
    expect(embed).toEqual({
      type: 'video',
      url: 'https://a.example/watch/1',
      title: 'Clip',
      thumbnail: { url: 'https://a.example/poster.jpg' },
      video: { url: 'https://a.example/v.mp4', width: 1280, height: 720, contentType: 'video/mp4' },
    });
  });

  it('makes a video embed from a Twitter player card', () => {
    const embed = buildLinkEmbed({
      url: 'https://a.example/',
      metadata: page({
        twitter: {
          card: 'player',
          title: 'P',
          player: { url: 'https://a.example/player', width: 480, height: 270 },
        },
      }),
    });
    expect(embed).toMatchObject({
      type: 'video',
      video: { url: 'https://a.example/player', width: 480, height: 270, contentType: 'text/html' },
    });
  });

  it('ignores a Twitter player without a player card', () => {
    const embed = buildLinkEmbed({
      url: 'https://a.example/',
      metadata: page({
        title: 'T',
        twitter: { card: 'summary', player: { url: 'https://a.example/player' } },
      }),
    });
    expect(embed?.type).toBe('link');
    expect(embed?.video).toBeUndefined();
  });

  it('caps text to the embed limits', () => {
    const embed = buildLinkEmbed({
      url: 'https://a.example/',
      metadata: page({ title: 'x'.repeat(500), description: 'y'.repeat(5000) }),
    });
    expect(embed?.title).toHaveLength(256);
    expect(embed?.description).toHaveLength(4096);
  });

  it('never takes the URL from the page', () => {
    const embed = buildLinkEmbed({
      url: 'https://münchen.example/a',
      metadata: page({
        title: 'T',
        canonicalUrl: 'https://evil.example/',
        openGraph: { url: 'https://evil.example/' },
      }),
    });
    expect(embed?.url).toBe('https://xn--mnchen-3ya.example/a');
  });
});

describe('buildLinkEmbed: oEmbed', () => {
  const youtube = parseOembed(
    JSON.stringify({
      type: 'video',
      title: 'Never Gonna Give You Up',
      author_name: 'Rick Astley',
      author_url: 'https://www.youtube.com/@RickAstleyYT',
      provider_name: 'YouTube',
      provider_url: 'https://www.youtube.com/',
      thumbnail_url: `https://i.ytimg.com/vi/${ID}/hqdefault.jpg`,
      thumbnail_width: 480,
      thumbnail_height: 360,
      width: 200,
      height: 113,
      html: '<iframe></iframe>',
    }),
  );

  it('builds a YouTube video embed with the player URL and brand colour', () => {
    expect(buildLinkEmbed({ url: `https://youtu.be/${ID}?t=5`, oembed: youtube })).toEqual({
      type: 'video',
      url: `https://youtu.be/${ID}?t=5`,
      title: 'Never Gonna Give You Up',
      color: 0xff0000,
      siteName: 'YouTube',
      provider: { name: 'YouTube', url: 'https://www.youtube.com/' },
      author: { name: 'Rick Astley', url: 'https://www.youtube.com/@RickAstleyYT' },
      thumbnail: { url: `https://i.ytimg.com/vi/${ID}/hqdefault.jpg`, width: 480, height: 360 },
      video: {
        url: `https://www.youtube.com/embed/${ID}`,
        width: 200,
        height: 113,
        contentType: 'text/html',
      },
    });
  });

  it('uses a configured YouTube player base', () => {
    const embed = buildLinkEmbed({
      url: `https://youtu.be/${ID}`,
      oembed: youtube,
      youtubeEmbedBase: 'http://localhost:9000/embed/',
    });
    expect(embed?.video?.url).toBe(`http://localhost:9000/embed/${ID}`);
  });

  it('prefers the oEmbed title and the page description, and the brand colour over theme-color', () => {
    const embed = buildLinkEmbed({
      url: `https://www.youtube.com/watch?v=${ID}`,
      oembed: youtube,
      metadata: page({
        title: 'page title - YouTube',
        description: 'about the video',
        themeColor: '#0f0f0f',
      }),
    });
    expect(embed).toMatchObject({
      title: 'Never Gonna Give You Up',
      description: 'about the video',
      color: 0xff0000,
    });
  });

  it('makes an image embed from an oEmbed photo', () => {
    const oembed = parseOembed(
      '{"type":"photo","url":"https://a.example/p.jpg","width":800,"height":600,"title":"Photo"}',
    );
    expect(buildLinkEmbed({ url: 'https://photos.example/1', oembed })).toEqual({
      type: 'image',
      url: 'https://photos.example/1',
      title: 'Photo',
      image: { url: 'https://a.example/p.jpg', width: 800, height: 600 },
    });
  });

  it('shows a rich or link oEmbed response as a link', () => {
    const rich = parseOembed('{"type":"rich","title":"Song","provider_name":"SoundCloud","html":"<iframe>"}');
    expect(buildLinkEmbed({ url: 'https://soundcloud.com/a/b', oembed: rich })).toEqual({
      type: 'link',
      url: 'https://soundcloud.com/a/b',
      title: 'Song',
      siteName: 'SoundCloud',
      provider: { name: 'SoundCloud' },
    });
  });

  it('treats a null oEmbed (a failed parse) as absent', () => {
    expect(buildLinkEmbed({ url: 'https://a.example/', oembed: null })).toBeNull();
    expect(
      buildLinkEmbed({
        url: 'https://a.example/',
        oembed: parseOembed('garbage'),
        metadata: page({ title: 'T' }),
      }),
    ).toMatchObject({
      title: 'T',
    });
  });
});
