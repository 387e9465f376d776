import { describe, expect, it } from 'vitest';

import { oembedEndpointFor, parseOembed } from './oembed.ts';

const ID = 'dQw4w9WgXcQ';
const YOUTUBE_ENDPOINT = `https://www.youtube.com/oembed?format=json&url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D${ID}`;

describe('oembedEndpointFor', () => {
  it('asks YouTube about the canonical watch URL, whatever the link form', () => {
    for (const url of [
      `https://www.youtube.com/watch?v=${ID}&t=42`,
      `https://youtu.be/${ID}`,
      `https://www.youtube.com/shorts/${ID}`,
      `https://m.youtube.com/watch?v=${ID}#x`,
    ]) {
      expect(oembedEndpointFor(url), url).toBe(YOUTUBE_ENDPOINT);
    }
  });

  it('uses a configured YouTube endpoint', () => {
    expect(
      oembedEndpointFor(`https://youtu.be/${ID}`, { youtubeOembedEndpoint: 'http://127.0.0.1:9000/oembed' }),
    ).toBe(`http://127.0.0.1:9000/oembed?format=json&url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D${ID}`);
  });

  it('knows Vimeo videos', () => {
    expect(oembedEndpointFor('https://vimeo.com/76979871')).toBe(
      'https://vimeo.com/api/oembed.json?url=https%3A%2F%2Fvimeo.com%2F76979871',
    );
    expect(oembedEndpointFor('https://vimeo.com/76979871/abcdef1234')).toBe(
      'https://vimeo.com/api/oembed.json?url=https%3A%2F%2Fvimeo.com%2F76979871%2Fabcdef1234',
    );
    expect(oembedEndpointFor('https://player.vimeo.com/video/76979871?h=x')).toBe(
      'https://vimeo.com/api/oembed.json?url=https%3A%2F%2Fvimeo.com%2F76979871',
    );
    expect(oembedEndpointFor('https://vimeo.com/channels/staffpicks/76979871')).toBe(
      'https://vimeo.com/api/oembed.json?url=https%3A%2F%2Fvimeo.com%2Fchannels%2Fstaffpicks%2F76979871',
    );
    expect(oembedEndpointFor('https://vimeo.com/about')).toBeNull();
  });

  it('knows SoundCloud tracks and sets', () => {
    expect(oembedEndpointFor('https://soundcloud.com/artist/track-name?si=1')).toBe(
      'https://soundcloud.com/oembed?format=json&url=https%3A%2F%2Fsoundcloud.com%2Fartist%2Ftrack-name',
    );
    expect(oembedEndpointFor('https://soundcloud.com/artist')).toBeNull();
    expect(oembedEndpointFor('https://soundcloud.com/discover/sets')).toBeNull();
  });

  it('knows Spotify items', () => {
    expect(oembedEndpointFor('https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=x')).toBe(
      'https://open.spotify.com/oembed?url=https%3A%2F%2Fopen.spotify.com%2Ftrack%2F4uLU6hMCjMI75M1A2tKUQC',
    );
    expect(oembedEndpointFor('https://open.spotify.com/intl-de/album/1DFixLWuPkv3KT3TnV35m3')).toBe(
      'https://open.spotify.com/oembed?url=https%3A%2F%2Fopen.spotify.com%2Falbum%2F1DFixLWuPkv3KT3TnV35m3',
    );
    expect(oembedEndpointFor('https://open.spotify.com/')).toBeNull();
  });

  it('gives null for other sites and bad input', () => {
    for (const url of ['https://example.com/watch?v=' + ID, 'javascript:alert(1)', '', 'not a url']) {
      expect(oembedEndpointFor(url), url).toBeNull();
    }
  });
});

describe('parseOembed', () => {
  const youtube = {
    title: 'Rick Astley - Never Gonna Give You Up',
    author_name: 'Rick Astley',
    author_url: 'https://www.youtube.com/@RickAstleyYT',
    type: 'video',
    height: 113,
    width: 200,
    version: '1.0',
    provider_name: 'YouTube',
    provider_url: 'https://www.youtube.com/',
    thumbnail_height: 360,
    thumbnail_width: 480,
    thumbnail_url: `https://i.ytimg.com/vi/${ID}/hqdefault.jpg`,
    html: '<iframe src="https://www.youtube.com/embed/x"></iframe>',
  };

  it('reads a YouTube response and drops the HTML', () => {
    expect(parseOembed(JSON.stringify(youtube))).toEqual({
      type: 'video',
      title: 'Rick Astley - Never Gonna Give You Up',
      authorName: 'Rick Astley',
      authorUrl: 'https://www.youtube.com/@RickAstleyYT',
      providerName: 'YouTube',
      providerUrl: 'https://www.youtube.com/',
      thumbnail: { url: `https://i.ytimg.com/vi/${ID}/hqdefault.jpg`, width: 480, height: 360 },
      width: 200,
      height: 113,
    });
  });

  it('reads a Buffer, with or without a byte order mark', () => {
    expect(parseOembed(Buffer.from(JSON.stringify(youtube)))?.title).toBe(youtube.title);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(youtube))]);
    expect(parseOembed(bom)?.title).toBe(youtube.title);
    expect(parseOembed(`\uFEFF${JSON.stringify(youtube)}`)?.title).toBe(youtube.title);
  });

  it('reads a photo', () => {
    expect(
      parseOembed('{"type":"photo","url":"https://a.example/p.jpg","width":"640","height":480}'),
    ).toEqual({
      type: 'photo',
      url: 'https://a.example/p.jpg',
      width: 640,
      height: 480,
    });
  });

  it('accepts every type and a type in another case', () => {
    for (const type of ['photo', 'video', 'link', 'rich', 'LINK']) {
      expect(parseOembed(JSON.stringify({ type }))?.type).toBe(type.toLowerCase());
    }
  });

  it('drops malformed optional fields instead of failing', () => {
    expect(
      parseOembed(
        JSON.stringify({
          type: 'link',
          title: 42,
          author_name: '',
          author_url: 'javascript:alert(1)',
          provider_url: 'data:text/html,x',
          thumbnail_url: 'ftp://a.example/t.png',
          width: -3,
          height: 'tall',
          provider_name: ' Site ',
        }),
      ),
    ).toEqual({ type: 'link', providerName: 'Site' });
  });

  it('caps strings', () => {
    const data = parseOembed(
      JSON.stringify({ type: 'link', title: 'x'.repeat(1000), author_name: 'y'.repeat(1000) }),
    );
    expect(data?.title).toHaveLength(256);
    expect(data?.authorName).toHaveLength(256);
  });

  it('gives null for invalid JSON and for JSON that is not an oEmbed object', () => {
    for (const json of [
      '',
      'not json',
      '{',
      '{"type":"video"',
      'null',
      '42',
      '"video"',
      '[{"type":"video"}]',
      '{}',
      '{"type":"iframe"}',
      '{"type":5}',
    ]) {
      expect(parseOembed(json), json).toBeNull();
    }
  });

  it('gives null for a response over 64 KiB', () => {
    const big = JSON.stringify({ type: 'link', title: 'x', padding: 'p'.repeat(70_000) });
    expect(parseOembed(big)).toBeNull();
    expect(parseOembed(Buffer.from(big))).toBeNull();
    // Characters over one byte count as bytes: 30,000 three-byte characters are 90,000 bytes.
    expect(parseOembed(JSON.stringify({ type: 'link', title: '€'.repeat(30_000) }))).toBeNull();
  });

  it('survives deeply nested JSON', () => {
    expect(parseOembed('['.repeat(60_000) + ']'.repeat(60_000))).toBeNull();
    expect(parseOembed('{"type":"link","a":' + '['.repeat(30_000) + ']'.repeat(30_000) + '}')).toEqual({
      type: 'link',
    });
  });

  it('is not fooled by __proto__', () => {
    const data = parseOembed('{"type":"link","__proto__":{"title":"polluted"}}');
    expect(data).toEqual({ type: 'link' });
    expect(({} as { title?: string }).title).toBeUndefined();
  });
});
