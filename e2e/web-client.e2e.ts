import fs from 'node:fs';
import path from 'node:path';

import { builtWebClient, freePort, startGochat, type GochatProcess } from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SECRETS, tempConfig } from './support.ts';

/** Builds nothing: postinstall (or `npm run build:web`) made clients/web/dist. Skipped without it, failed in CI. */
const dist = builtWebClient();

describe.skipIf(!dist)('the web client, served by the embedded process', () => {
  let gochat: GochatProcess;

  beforeAll(async () => {
    const { dir, file } = tempConfig('');
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
  });
  afterAll(async () => {
    expect(await gochat.stop()).toBe(0);
  });

  it('announces the one URL that opens the app, and serves index.html there', async () => {
    const banner = await gochat.waitForLine(/^GoChat is ready: open /);
    expect(banner).toBe(`GoChat is ready: open ${gochat.url}/`);
    const response = await fetch(`${gochat.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await response.text()).toBe(fs.readFileSync(path.join(dist!, 'index.html'), 'utf8'));
  });

  it('serves the scripts index.html loads, client-side routes, and the API beside them', async () => {
    const index = fs.readFileSync(path.join(dist!, 'index.html'), 'utf8');
    const scripts = [...index.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const script = await fetch(new URL(src, `${gochat.url}/`));
      expect(script.status, src).toBe(200);
      expect(script.headers.get('content-type'), src).toBe('text/javascript; charset=utf-8');
    }
    const route = await fetch(`${gochat.url}/channels/1/2`);
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(index);
    expect((await fetch(`${gochat.url}/assets/not-there-0000.js`)).status).toBe(404);
    const api = await fetch(`${gochat.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
