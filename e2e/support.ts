import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temp directory with a YAML config file for a test's gochat processes. */
export function tempConfig(yaml: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-e2e-'));
  const file = path.join(dir, 'gochat.yaml');
  fs.writeFileSync(file, yaml);
  return { dir, file };
}

/** Rate limits high enough for a test that signs up many users from one address. */
export const RELAXED_LIMITS = `
accounts:
  rateLimit:
    strict: { points: 10000, windowSeconds: 60 }
    general: { points: 10000, windowSeconds: 60 }
`;

/** No per-user send limit: for tests that send bursts of messages. */
export const UNLIMITED_SENDS = `
messages:
  sendRate: { points: 1000000, windowSeconds: 1 }
`;

export const SECRETS = {
  AUTH_SECRET: 'e2e-auth-secret-0123456789abcdef012345',
  INTERNAL_SECRET: 'e2e-internal-secret-0123456789abcdef0123',
};

/**
 * A resume may replay at most 100 events of the viewer's own subjects: a test can send more than that
 * elsewhere and show that it does not count (issue 11, item 7).
 */
export const SHORT_REPLAY = `
router:
  realtime:
    maxReplay: 100
`;
