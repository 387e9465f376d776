import { describe, expect, it } from 'vitest';

import { normaliseUrl, parseHttpUrl } from './normalise-url.ts';

describe('normaliseUrl', () => {
  it('lowercases scheme and host but not the path or query', () => {
    expect(normaliseUrl('HTTPS://Example.COM/Some/Path?Q=Yes')).toBe('https://example.com/Some/Path?Q=Yes');
  });

  it('removes default ports and keeps others', () => {
    expect(normaliseUrl('https://example.com:443/')).toBe('https://example.com/');
    expect(normaliseUrl('http://example.com:80/')).toBe('http://example.com/');
    expect(normaliseUrl('https://example.com:8443/')).toBe('https://example.com:8443/');
    expect(normaliseUrl('http://example.com:443/')).toBe('http://example.com:443/');
  });

  it('removes the fragment and keeps the query', () => {
    expect(normaliseUrl('https://example.com/a?b=1&c=2#section')).toBe('https://example.com/a?b=1&c=2');
    expect(normaliseUrl('https://example.com/#')).toBe('https://example.com/');
  });

  it('adds the root path', () => {
    expect(normaliseUrl('https://example.com')).toBe('https://example.com/');
  });

  it('converts internationalised hosts to punycode', () => {
    expect(normaliseUrl('https://münchen.de/straße')).toBe('https://xn--mnchen-3ya.de/stra%C3%9Fe');
    expect(normaliseUrl('https://аpple.com')).toBe('https://xn--pple-43d.com/');
  });

  it('drops credentials', () => {
    expect(normaliseUrl('https://user:secret@example.com/x')).toBe('https://example.com/x');
    expect(normaliseUrl('https://bank.example@evil.example/')).toBe('https://evil.example/');
  });

  it('refuses anything but absolute http(s) URLs with a host', () => {
    for (const url of [
      '',
      'example.com',
      '/relative',
      'javascript:alert(1)',
      'data:text/html,hi',
      'ftp://example.com/',
      'file:///etc/passwd',
      'mailto:a@example.com',
      'http://',
      'https://exa mple.com/',
      'https://[::1/',
    ]) {
      expect(normaliseUrl(url), url).toBeNull();
    }
  });

  it('refuses URLs over 2048 characters, before or after normalising', () => {
    expect(normaliseUrl(`https://a.example/${'x'.repeat(2100)}`)).toBeNull();
    // Spaces are percent-encoded: 1,500 characters become 3,000.
    expect(normaliseUrl(`https://a.example/${' '.repeat(1500)}x`)).toBeNull();
  });

  it('keeps IP address hosts (the fetcher decides what it may reach)', () => {
    expect(normaliseUrl('http://127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080/x');
    expect(normaliseUrl('http://[::1]/')).toBe('http://[::1]/');
  });
});

describe('parseHttpUrl', () => {
  it('resolves against a base', () => {
    expect(parseHttpUrl('../img.png', 'https://a.example/x/y/z')?.href).toBe('https://a.example/x/img.png');
    expect(parseHttpUrl('//cdn.example/i.png', 'https://a.example/')?.href).toBe('https://cdn.example/i.png');
  });

  it('refuses other schemes even relative to an http base', () => {
    expect(parseHttpUrl('javascript:alert(1)', 'https://a.example/')).toBeNull();
  });
});
