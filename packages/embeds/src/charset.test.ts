import { describe, expect, it } from 'vitest';

import { decodePage, encodingFor, sniffEncoding } from './charset.ts';

const ascii = (text: string) => Buffer.from(text, 'latin1');

describe('encodingFor', () => {
  it('resolves WHATWG labels to their encoding', () => {
    expect(encodingFor('UTF8')).toBe('utf-8');
    expect(encodingFor(' latin1 ')).toBe('windows-1252');
    expect(encodingFor('iso-8859-1')).toBe('windows-1252');
    expect(encodingFor('Shift_JIS')).toBe('shift_jis');
    expect(encodingFor('koi8-r')).toBe('koi8-r');
  });

  it('knows no made-up labels', () => {
    expect(encodingFor('x-no-such-charset')).toBeNull();
    expect(encodingFor('')).toBeNull();
  });

  it('reads a declared UTF-16 as UTF-8, as the HTML standard does', () => {
    expect(encodingFor('utf-16')).toBe('utf-8');
  });
});

describe('sniffEncoding', () => {
  it('defaults to UTF-8', () => {
    expect(sniffEncoding(ascii('<html><head><title>x</title></head></html>'))).toBe('utf-8');
  });

  it('reads <meta charset> and <meta http-equiv>', () => {
    expect(sniffEncoding(ascii('<meta charset="windows-1252">'))).toBe('windows-1252');
    expect(sniffEncoding(ascii("<META CHARSET='Shift_JIS'>"))).toBe('shift_jis');
    expect(sniffEncoding(ascii('<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'))).toBe(
      'euc-kr',
    );
  });

  it('skips meta tags without a known charset', () => {
    expect(
      sniffEncoding(ascii('<meta name="x" content="y"><meta charset="bogus"><meta charset="koi8-r">')),
    ).toBe('koi8-r');
  });

  it('prefers a byte order mark, then the hint, then the meta tag', () => {
    const withMeta = ascii('<meta charset="windows-1252">');
    expect(sniffEncoding(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), withMeta]), 'shift_jis')).toBe(
      'utf-8',
    );
    expect(sniffEncoding(withMeta, 'shift_jis')).toBe('shift_jis');
    expect(sniffEncoding(withMeta, 'text/html; charset=koi8-r')).toBe('koi8-r');
    expect(sniffEncoding(withMeta, 'no-such-label')).toBe('windows-1252');
    expect(sniffEncoding(withMeta, 'text/html')).toBe('windows-1252');
  });

  it('reads a meta tag only near the top of the page', () => {
    expect(sniffEncoding(ascii(`${' '.repeat(5000)}<meta charset="windows-1252">`))).toBe('utf-8');
  });
});

describe('decodePage', () => {
  it('decodes windows-1252 bytes', () => {
    const bytes = Buffer.concat([ascii('<meta charset="windows-1252"><p>caf'), Buffer.from([0xe9, 0x80])]);
    expect(decodePage(bytes)).toBe('<meta charset="windows-1252"><p>café€');
  });

  it('decodes every windows-1252 byte of 0x80-0x9F, keeping the five unassigned ones', () => {
    const high = Buffer.from(Array.from({ length: 32 }, (_, n) => 0x80 + n));
    const text = decodePage(Buffer.concat([ascii('<meta charset="cp1252">'), high])).slice(-32);
    expect(text).toBe('€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8DŽ\x8F\x90‘’“”•–—˜™š›œ\x9DžŸ');
  });

  it('decodes other single-byte encodings (windows-1251)', () => {
    expect(decodePage(Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), 'windows-1251')).toBe('Привет');
  });

  it('decodes Shift_JIS bytes named by the hint', () => {
    const bytes = Buffer.from([0x93, 0xfa, 0x96, 0x7b]); // 日本
    expect(decodePage(bytes, 'Shift_JIS')).toBe('日本');
  });

  it('replaces invalid UTF-8 instead of failing', () => {
    expect(decodePage(Buffer.from([0x61, 0xff, 0xfe, 0x62]))).toBe('a\ufffd\ufffdb');
  });

  it('decodes UTF-16 with a byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<title>hé</title>', 'utf16le')]);
    expect(decodePage(bytes)).toBe('<title>hé</title>');
  });
});
