import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

interface EmbeddedSecrets {
  auth: string;
  internal: string;
}

/**
 * The embedded monolith must start with no configuration, yet its secrets must survive restarts
 * (better-auth encrypts its signing keys with one). Generate them once and keep them in DATA_DIR.
 */
export function loadOrCreateEmbeddedSecrets(dataDir: string): EmbeddedSecrets {
  const file = path.join(dataDir, 'secrets.json');
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<EmbeddedSecrets>;
    if (stored.auth && stored.internal) return { auth: stored.auth, internal: stored.internal };
  } catch {
    // Missing or unreadable: create below.
  }
  const secrets = {
    auth: crypto.randomBytes(32).toString('base64url'),
    internal: crypto.randomBytes(32).toString('base64url'),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
