import { describe, expect, it } from 'vitest';
import { SafeFetchError } from './errors.ts';
import { dialHost, parseTarget } from './target-url.ts';

const PORTS = new Set([80, 443]);

function refusal(raw: string, base?: URL) {
  try {
    parseTarget(raw, PORTS, base);
  } catch (error) {
    expect(error).toBeInstanceOf(SafeFetchError);
    return (error as SafeFetchError).code;
  }
  return expect.unreachable(`${raw} was accepted`);
}

describe('parseTarget', () => {
  it.each([
    ['http://2130706433/', 'http://127.0.0.1/'],
    ['http://0177.0.0.1/', 'http://127.0.0.1/'],
    ['http://0x7f.1/', 'http://127.0.0.1/'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', 'http://[::ffff:7f00:1]/'],
    ['HTTPS://Example.COM:443/a?b#c', 'https://example.com/a?b#c'],
    ['http://bücher.example/', 'http://xn--bcher-kva.example/'],
  ])('normalises %s to %s, as it will be dialled', (raw, normalised) => {
    expect(parseTarget(raw, PORTS).href).toBe(normalised);
  });

  it.each([
    ['javascript:alert(1)', 'BAD_SCHEME'],
    ['data:text/html,hi', 'BAD_SCHEME'],
    ['file:///etc/passwd', 'BAD_SCHEME'],
    ['ftp://example.com/', 'BAD_SCHEME'],
    ['ws://example.com/', 'BAD_SCHEME'],
    ['http://example.com:8080/', 'BAD_PORT'],
    ['http://user:pass@example.com/', 'BAD_URL'],
    ['http://user@example.com/', 'BAD_URL'],
    ['not a url', 'BAD_URL'],
    ['http://', 'BAD_URL'],
    ['http://exa mple.com', 'BAD_URL'],
    [`http://example.com/${'a'.repeat(2_048)}`, 'BAD_URL'],
  ])('refuses %s with %s', (raw, code) => {
    expect(refusal(raw)).toBe(code);
  });

  it('takes the default port of the scheme', () => {
    expect(parseTarget('https://example.com/', new Set([443])).port).toBe('');
    expect(() => parseTarget('https://example.com/', new Set([80]))).toThrow('port 443 is not allowed');
  });

  it('resolves a relative redirect against the URL that sent it', () => {
    const base = new URL('http://example.com/a/b');
    expect(parseTarget('../c?d', PORTS, base).href).toBe('http://example.com/c?d');
    expect(parseTarget('//other.example/x', PORTS, base).href).toBe('http://other.example/x');
    expect(refusal('javascript:alert(1)', base)).toBe('BAD_SCHEME');
  });

  it('measures the URL after normalisation too', () => {
    // Under the limit as written, over it once each space is percent-encoded.
    expect(refusal(`http://example.com/${' '.repeat(1_000)}x`)).toBe('BAD_URL');
  });
});

describe('dialHost', () => {
  it('strips the brackets of an IPv6 literal', () => {
    expect(dialHost(new URL('http://[::1]:8080/'))).toBe('::1');
    expect(dialHost(new URL('http://example.com/'))).toBe('example.com');
  });
});
