import { describe, expect, it } from 'vitest';

import { youtubeEmbedUrl, youtubeVideoId, youtubeWatchUrl } from './youtube.ts';

const ID = 'dQw4w9WgXcQ';

describe('youtubeVideoId', () => {
  it('reads every usual link form', () => {
    for (const url of [
      `https://www.youtube.com/watch?v=${ID}`,
      `https://youtube.com/watch?v=${ID}&t=42s&list=PL123`,
      `https://m.youtube.com/watch?feature=share&v=${ID}`,
      `https://music.youtube.com/watch?v=${ID}`,
      `http://www.youtube.com/watch?v=${ID}`,
      `https://youtu.be/${ID}`,
      `https://youtu.be/${ID}?si=abc&t=3`,
      `https://www.youtube.com/shorts/${ID}`,
      `https://www.youtube.com/shorts/${ID}/`,
      `https://www.youtube.com/embed/${ID}?start=5`,
      `https://www.youtube-nocookie.com/embed/${ID}`,
      `https://www.youtube.com/live/${ID}?feature=share`,
      `https://www.youtube.com/v/${ID}`,
      `https://WWW.YOUTUBE.COM/watch?v=${ID}`,
    ]) {
      expect(youtubeVideoId(url), url).toBe(ID);
    }
  });

  it('accepts a URL object', () => {
    expect(youtubeVideoId(new URL(`https://youtu.be/${ID}`))).toBe(ID);
  });

  it('refuses ids that are not 11 base64url characters', () => {
    for (const url of [
      'https://www.youtube.com/watch?v=short',
      `https://www.youtube.com/watch?v=${ID}x`,
      'https://www.youtube.com/watch?v=dQw4w9WgX<Q',
      'https://youtu.be/dQw4w9WgX%22',
      `https://youtu.be/${ID}/extra`,
      'https://www.youtube.com/watch',
    ]) {
      expect(youtubeVideoId(url), url).toBeNull();
    }
  });

  it('refuses other pages and other hosts', () => {
    for (const url of [
      'https://www.youtube.com/',
      'https://www.youtube.com/@channel',
      `https://www.youtube.com/playlist?list=${ID}`,
      `https://www.youtube.com/channel/${ID}`,
      `https://notyoutube.com/watch?v=${ID}`,
      `https://youtube.com.evil.example/watch?v=${ID}`,
      `https://evil.example/?u=https://youtu.be/${ID}`,
      `javascript://youtu.be/${ID}`,
      'not a url',
    ]) {
      expect(youtubeVideoId(url), url).toBeNull();
    }
  });
});

describe('youtubeEmbedUrl and youtubeWatchUrl', () => {
  it('build the player and watch URLs', () => {
    expect(youtubeEmbedUrl(`https://youtu.be/${ID}?t=3`)).toBe(`https://www.youtube.com/embed/${ID}`);
    expect(youtubeEmbedUrl(`https://youtu.be/${ID}`, 'http://localhost:9000/embed/')).toBe(
      `http://localhost:9000/embed/${ID}`,
    );
    expect(youtubeWatchUrl(`https://www.youtube.com/shorts/${ID}`)).toBe(
      `https://www.youtube.com/watch?v=${ID}`,
    );
  });

  it('give null for other links', () => {
    expect(youtubeEmbedUrl('https://vimeo.com/1')).toBeNull();
    expect(youtubeWatchUrl('https://vimeo.com/1')).toBeNull();
  });
});
