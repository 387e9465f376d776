import { describe, expect, it } from 'vitest';
import { acceptHeader, isAccepted, mediaTypeOf } from './content-type.ts';
import { DEFAULT_ACCEPT_TYPES } from './options.ts';

describe('content types', () => {
  it.each([
    ['text/html; charset=utf-8', true],
    ['TEXT/HTML', true],
    ['image/png', true],
    ['video/mp4', true],
    ['application/json', true],
    ['application/xhtml+xml', true],
    ['text/htmlx', false],
    ['application/octet-stream', false],
    ['application/javascript', false],
    ['imagex/png', false],
    ['', false],
  ])('%s accepted by default: %s', (contentType, accepted) => {
    expect(isAccepted(mediaTypeOf(contentType), DEFAULT_ACCEPT_TYPES)).toBe(accepted);
  });

  it('asks for the same types it reads', () => {
    expect(acceptHeader(['text/html', 'image/'])).toBe('text/html, image/*');
  });
});
