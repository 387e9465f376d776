import { describe, expect, it } from 'vitest';

import { clientAddress } from './client-address.ts';

describe('clientAddress', () => {
  it('ignores X-Forwarded-For unless a proxy is trusted: clients can forge it', () => {
    expect(clientAddress('6.6.6.6', '10.0.0.5', false)).toBe('10.0.0.5');
  });
  it('takes the first hop when the proxy is trusted', () => {
    expect(clientAddress('203.0.113.7, 10.0.0.1', '10.0.0.1', true)).toBe('203.0.113.7');
    expect(clientAddress(['198.51.100.2'], '10.0.0.1', true)).toBe('198.51.100.2');
  });
  it('falls back to the peer when the header is absent or empty', () => {
    expect(clientAddress(undefined, '10.0.0.9', true)).toBe('10.0.0.9');
    expect(clientAddress(' ', '10.0.0.9', true)).toBe('10.0.0.9');
  });
});
