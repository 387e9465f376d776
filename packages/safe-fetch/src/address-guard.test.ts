import { describe, expect, it } from 'vitest';
import { createAddressGuard, refusedAddressOf, refusedLiteral, RefusedAddress } from './address-guard.ts';

describe('address guard', () => {
  it('refuses IPv4-compatible literals, which ipaddr.js calls unicast', () => {
    expect(refusedLiteral('::7f00:1')).toBe('::7f00:1');
    expect(refusedLiteral('::a00:1')).toBe('::a00:1');
    expect(refusedLiteral('2606:4700::1111')).toBeUndefined();
    expect(refusedLiteral('93.184.215.14')).toBeUndefined();
    expect(refusedLiteral('example.com')).toBeUndefined();
  });

  it("reads the refused address from the guard's message and from its own", () => {
    const message =
      'DNS lookup ::1(family:6, host:localhost) is not allowed. Because, It is private IP address.';
    expect(refusedAddressOf(new Error(message))).toBe('::1');
    expect(refusedAddressOf(new RefusedAddress('::7f00:1'))).toBe('::7f00:1');
    expect(refusedAddressOf(new Error('connect ECONNREFUSED 127.0.0.1:80'))).toBeUndefined();
  });

  it('rejects an allowAddresses entry that is not an address', () => {
    expect(() => createAddressGuard(['127.0.0.1/33'])).toThrow(TypeError);
    expect(() => createAddressGuard(['localhost'])).toThrow("allowAddresses: 'localhost'");
    expect(() => createAddressGuard(['127.0.0.1/32', '::1/128', '10.0.0.0/8', '::1'])).not.toThrow();
  });
});
