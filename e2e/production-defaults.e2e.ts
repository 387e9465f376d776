import { freePort, startGochat, type GochatProcess } from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SECRETS, tempConfig } from './support.ts';

/**
 * What the production image runs with (NODE_ENV=production, as the Dockerfile sets): no GraphiQL, no
 * introspection, /metrics only on its own port, and CORS limited to the configured origins without
 * credentials. The development side of each is in http-contract.e2e.ts.
 */
describe('production defaults, end to end (NODE_ENV=production)', () => {
  let gochat: GochatProcess;
  let metricsUrl: string;
  const allowed = 'https://app.example.com';

  beforeAll(async () => {
    const { dir } = tempConfig('');
    gochat = await startGochat({
      env: {
        NODE_ENV: 'production',
        DATA_DIR: dir,
        PORT: String(await freePort()),
        // Any free port rather than the production default 9464, which parallel suites would share.
        METRICS_PORT: '0',
        CORS_ORIGINS: `${allowed},https://admin.example.com`,
        ...SECRETS,
      },
    });
    metricsUrl = (
      JSON.parse(await gochat.waitForLine(/"msg":"router metrics: listening"/)) as { url: string }
    ).url;
  });

  afterAll(async () => {
    expect(await gochat?.stop()).toBe(0);
  });

  const query = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${gochat.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it('serves no GraphiQL and refuses introspection, while __typename still works', async () => {
    const page = await fetch(`${gochat.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).not.toBe(200);
    expect(await page.text()).not.toContain('GraphiQL');

    const introspection = await query({ query: '{ __schema { queryType { name } } }' });
    expect(introspection.status).toBe(400);
    const body = (await introspection.json()) as {
      data?: unknown;
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]).toMatchObject({
      message: expect.stringMatching(/introspection has been disabled/) as string,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const type = await query({ query: '{ __type(name: "User") { name } }' });
    expect(type.status).toBe(400);
    expect(await (await query({ query: '{ __typename }' })).json()).toEqual({
      data: { __typename: 'Query' },
    });
  });

  it('serves /metrics on the metrics port alone', async () => {
    const publicMetrics = await fetch(`${gochat.url}/metrics`);
    expect(publicMetrics.status).toBe(404);
    expect(await publicMetrics.text()).not.toContain('gochat_');
    const metrics = await fetch(`${metricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('gochat_router_ws_connections');
    expect((await fetch(`${metricsUrl}/graphql`)).status).toBe(404);
    // Health and readiness stay on the role's port, where load balancers probe them.
    expect((await fetch(`${gochat.url}/ready`)).status).toBe(200);
  });

  it('allows the configured origins only, without credentials', async () => {
    for (const [origin, expected] of [
      [allowed, allowed],
      ['https://admin.example.com', 'https://admin.example.com'],
      ['https://evil.example', 'null'],
    ] as const) {
      const response = await query({ query: '{ __typename }' }, { origin });
      expect(response.headers.get('access-control-allow-origin'), origin).toBe(expected);
      expect(response.headers.get('access-control-allow-credentials'), origin).toBeNull();
    }
  });
});
