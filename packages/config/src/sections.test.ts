import { describe, expect, it } from 'vitest';
import type { z } from 'zod';

import { formatIssues } from './load.ts';
import { busSection, cacheSection, databaseSection } from './sections.ts';

const problems = (schema: z.ZodType, value: unknown) =>
  formatIssues(schema.safeParse(value).error?.issues ?? []);

const SEED = `SU${'A'.repeat(56)}`;

describe('infrastructure credentials and TLS in the config', () => {
  it('takes one NATS authentication: user and password, a token, an NKey seed or a .creds file', () => {
    expect(problems(busSection, { user: 'gochat', password: 'pw' })).toEqual([]);
    expect(problems(busSection, { token: 't' })).toEqual([]);
    expect(problems(busSection, { nkeySeed: SEED })).toEqual([]);
    expect(problems(busSection, { user: 'gochat' })).toEqual(['password: user and password go together']);
    expect(problems(busSection, { password: 'pw' })).toEqual(['user: user and password go together']);
    expect(problems(busSection, { token: 't', nkeySeed: SEED })).toEqual([
      '(root): choose one NATS authentication, not token and nkeySeed',
    ]);
    expect(problems(busSection, { credsFile: '/no/such/file.creds' })).toEqual([
      'credsFile: is not a readable file',
    ]);
  });

  it('never echoes a secret in a problem', () => {
    const seed = 'SUnot-a-seed-but-a-secret-0123456789';
    const reported = problems(busSection, { nkeySeed: seed }).join('\n');
    expect(reported).toMatch(/nkeySeed.*must be an NKey user seed/);
    expect(reported).not.toContain(seed);
  });

  it('takes a Redis password, or an ACL user with a password', () => {
    expect(problems(cacheSection, { password: 'pw' })).toEqual([]);
    expect(problems(cacheSection, { username: 'gochat', password: 'pw' })).toEqual([]);
    expect(problems(cacheSection, { username: 'gochat' })).toEqual(['password: required with a username']);
  });

  it('checks TLS files and pairs a client certificate with its key', () => {
    expect(problems(cacheSection, { tls: {} })).toEqual([]);
    expect(problems(cacheSection, { tls: { certFile: import.meta.filename } })).toEqual([
      'tls.keyFile: certFile and keyFile go together',
    ]);
    expect(problems(cacheSection, { tls: { caFile: '/no/such/ca.pem' } })).toEqual([
      'tls.caFile: is not a readable file',
    ]);
  });

  it('honours the PostgreSQL sslmode and refuses contradictions', () => {
    const url = 'postgres://gochat@db:5432/gochat';
    expect(problems(databaseSection, { url: `${url}?sslmode=verify-full` })).toEqual([]);
    expect(problems(databaseSection, { url: `${url}?sslmode=bogus` })).toEqual([
      'url: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full',
    ]);
    expect(problems(databaseSection, { url: `${url}?sslmode=disable`, tls: {} })).toEqual([
      'tls: set, but the URL says sslmode=disable',
    ]);
    expect(problems(databaseSection, { url: `${url}?sslmode=verify-ca` })).toEqual([
      'tls.caFile: required with sslmode=verify-ca',
    ]);
  });
});
