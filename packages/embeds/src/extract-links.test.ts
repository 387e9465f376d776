import { describe, expect, it } from 'vitest';

import { extractLinks } from './extract-links.ts';

describe('extractLinks: finding links', () => {
  it('returns nothing for a message without links', () => {
    expect(extractLinks('')).toEqual([]);
    expect(extractLinks('hello there, no links here: example.com www.example.com')).toEqual([]);
  });

  it('finds http and https links in order, normalised', () => {
    expect(extractLinks('see https://b.example/one then http://a.example/two')).toEqual([
      'https://b.example/one',
      'http://a.example/two',
    ]);
  });

  it('accepts an upper-case scheme and host', () => {
    expect(extractLinks('HTTPS://EXAMPLE.COM/Path')).toEqual(['https://example.com/Path']);
  });

  it('finds links at the start and end of lines and after punctuation', () => {
    expect(extractLinks('https://a.example\n(https://b.example)\n"https://c.example"')).toEqual([
      'https://a.example/',
      'https://b.example/',
      'https://c.example/',
    ]);
  });

  it('ignores a scheme glued to a word', () => {
    expect(extractLinks('xhttps://a.example foo_http://b.example')).toEqual([]);
  });

  it('never extracts other schemes', () => {
    expect(
      extractLinks('javascript:alert(1) data:text/html,hi ftp://a.example file:///etc/passwd mailto:a@b.c'),
    ).toEqual([]);
    expect(extractLinks('[click](javascript:alert(1)) [x](data:text/html;base64,AAAA)')).toEqual([]);
  });

  it('skips a scheme with no host', () => {
    expect(extractLinks('http:// https:/// https://')).toEqual([]);
  });

  it('ends a link at whitespace, < > and backticks', () => {
    expect(extractLinks('https://a.example/x<b>\thttps://b.example/y`z`')).toEqual([
      'https://a.example/x',
      'https://b.example/y',
    ]);
  });
});

describe('extractLinks: limits and duplicates', () => {
  it('keeps at most 5 links by default', () => {
    const message = [1, 2, 3, 4, 5, 6].map((n) => `https://site${n}.example/`).join(' ');
    expect(extractLinks(message)).toEqual([1, 2, 3, 4, 5].map((n) => `https://site${n}.example/`));
  });

  it('honours another maximum, and none for 0 or a negative one', () => {
    expect(extractLinks('https://a.example https://b.example', 1)).toEqual(['https://a.example/']);
    expect(extractLinks('https://a.example', 0)).toEqual([]);
    expect(extractLinks('https://a.example', -3)).toEqual([]);
    expect(extractLinks('https://a.example', Number.NaN)).toEqual([]);
  });

  it('deduplicates by normalised form, keeping the first position', () => {
    expect(
      extractLinks(
        'https://A.example:443/x#one http://b.example https://a.example/x#two HTTPS://a.EXAMPLE/x http://b.example:80/',
      ),
    ).toEqual(['https://a.example/x', 'http://b.example/']);
  });

  it('counts duplicates once towards the maximum', () => {
    const message = 'https://a.example '.repeat(10) + 'https://b.example https://c.example';
    expect(extractLinks(message)).toEqual(['https://a.example/', 'https://b.example/', 'https://c.example/']);
  });

  it('keeps the query', () => {
    expect(extractLinks('https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3')).toEqual([
      'https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3',
    ]);
  });

  it('rejects links over 2048 characters', () => {
    const long = `https://a.example/${'x'.repeat(2100)}`;
    expect(extractLinks(`${long} https://b.example`)).toEqual(['https://b.example/']);
    const justFits = `https://a.example/${'x'.repeat(2048 - 'https://a.example/'.length)}`;
    expect(extractLinks(justFits)).toEqual([justFits]);
  });
});

describe('extractLinks: trailing punctuation and parentheses', () => {
  it('trims sentence punctuation and quotes', () => {
    for (const tail of ['.', ',', ':', ';', '!', '?', "'", '"', '...', '!?', '.",']) {
      expect(extractLinks(`look at https://a.example/page${tail}`)).toEqual(['https://a.example/page']);
    }
  });

  it('keeps punctuation inside the link', () => {
    expect(extractLinks('https://a.example/a.b,c;d!e?f:g https://b.example/?q=1.')).toEqual([
      'https://a.example/a.b,c;d!e?f:g',
      'https://b.example/?q=1',
    ]);
  });

  it('drops a closing parenthesis that closes nothing in the link', () => {
    expect(extractLinks('(see https://a.example/page)')).toEqual(['https://a.example/page']);
    expect(extractLinks('(see https://a.example/page).')).toEqual(['https://a.example/page']);
    expect(extractLinks('((https://a.example/page))')).toEqual(['https://a.example/page']);
  });

  it('keeps balanced parentheses (Wikipedia)', () => {
    expect(extractLinks('https://en.wikipedia.org/wiki/Foo_(bar)')).toEqual([
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    ]);
    expect(extractLinks('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    ]);
    expect(extractLinks('https://en.wikipedia.org/wiki/Foo_(bar).')).toEqual([
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    ]);
  });

  it('drops an unbalanced closing bracket', () => {
    expect(extractLinks('[https://a.example/x]')).toEqual(['https://a.example/x']);
  });

  it('drops markdown emphasis around a link', () => {
    expect(extractLinks('**https://a.example/x** ~~https://b.example/y~~')).toEqual([
      'https://a.example/x',
      'https://b.example/y',
    ]);
  });
});

describe('extractLinks: markdown', () => {
  it('skips links in fenced code blocks', () => {
    expect(extractLinks('```\nhttps://a.example\n``` https://b.example')).toEqual(['https://b.example/']);
    expect(extractLinks('```js\nfetch("https://a.example")\n```')).toEqual([]);
  });

  it('skips links in inline code, with one or more backticks', () => {
    expect(extractLinks('`https://a.example` and ``https://b.example `x` `` https://c.example')).toEqual([
      'https://c.example/',
    ]);
  });

  it('reads an unclosed backtick as plain text', () => {
    expect(extractLinks('it`s https://a.example')).toEqual(['https://a.example/']);
    expect(extractLinks('```https://a.example')).toEqual(['https://a.example/']);
  });

  it('does not open code on an escaped backtick', () => {
    expect(extractLinks('\\` https://a.example `')).toEqual(['https://a.example/']);
  });

  it('skips links wrapped in angle brackets (embed suppressed)', () => {
    expect(extractLinks('<https://a.example/x> https://b.example')).toEqual(['https://b.example/']);
  });

  it('reads an unclosed angle bracket as plain text', () => {
    expect(extractLinks('<https://a.example/x and more')).toEqual(['https://a.example/x']);
    expect(extractLinks('a <3 https://a.example')).toEqual(['https://a.example/']);
  });

  it('yields the target of a masked link, not its text', () => {
    expect(
      extractLinks('[my site](https://a.example/page) and [https://b.example](https://c.example)'),
    ).toEqual(['https://a.example/page', 'https://c.example/']);
  });

  it('allows spaces around a masked link target and balanced parentheses in it', () => {
    expect(extractLinks('[wiki]( https://en.wikipedia.org/wiki/Foo_(bar) )')).toEqual([
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    ]);
  });

  it('skips a masked link whose target is in angle brackets', () => {
    expect(extractLinks('[quiet](<https://a.example>) https://b.example')).toEqual(['https://b.example/']);
  });

  it('skips links in spoilers', () => {
    expect(extractLinks('||https://a.example|| https://b.example ||secret https://c.example||')).toEqual([
      'https://b.example/',
    ]);
  });

  it('reads an unclosed spoiler as plain text', () => {
    expect(extractLinks('a || https://a.example')).toEqual(['https://a.example/']);
  });

  it('lets code hide a spoiler marker and a spoiler hide a backtick', () => {
    expect(extractLinks('`||` https://a.example `||`')).toEqual(['https://a.example/']);
    // The backtick inside the spoiler opens no code that the last backtick would close.
    expect(extractLinks('||`|| https://a.example `')).toEqual(['https://a.example/']);
  });
});

describe('extractLinks: internationalised hosts', () => {
  it('returns hosts in punycode', () => {
    expect(extractLinks('https://münchen.de/ https://аpple.com/')).toEqual([
      'https://xn--mnchen-3ya.de/',
      'https://xn--pple-43d.com/',
    ]);
  });
});

describe('extractLinks: hostile input stays fast', () => {
  const fast = (message: string, expected: string[] = []) => {
    const start = performance.now();
    const links = extractLinks(message);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(links).toEqual(expected);
  };

  it('a 10,000-character message of many links', () => {
    const message = Array.from({ length: 600 }, (_, n) => `https://a.example/${n}`).join(' ');
    expect(message.length).toBeGreaterThan(10_000);
    fast(
      message,
      [0, 1, 2, 3, 4].map((n) => `https://a.example/${n}`),
    );
  });

  it('a 10,000-character message of one link repeated', () => {
    fast('https://a.example/x '.repeat(600), ['https://a.example/x']);
  });

  it('50,000 opening parentheses, brackets, backticks and pipes', () => {
    fast('('.repeat(50_000));
    fast('['.repeat(50_000));
    fast('`'.repeat(50_000));
    fast('|'.repeat(50_001));
    fast('<'.repeat(50_000));
    fast(')'.repeat(50_000));
  });

  it('schemes repeated with and without spaces', () => {
    fast('http://'.repeat(10_000));
    fast('http:// '.repeat(10_000));
    fast(`https://a.example/${'('.repeat(50_000)}`);
    fast(`https://a.example/${')'.repeat(50_000)}`, ['https://a.example/']);
  });

  it('half-open constructs repeated', () => {
    fast('[a](x'.repeat(10_000));
    fast(`[a](${'('.repeat(50_000)}`);
    fast('<http://a'.repeat(10_000), ['http://a/']);
    fast('`a ``b ```c ````d '.repeat(3000));
    // Hundreds of distinct backtick run lengths, none closed.
    fast(Array.from({ length: 300 }, (_, n) => '`'.repeat(n + 1) + 'x').join(''));
    fast('||a `b '.repeat(10_000));
    fast('\\'.repeat(50_000));
  });
});
