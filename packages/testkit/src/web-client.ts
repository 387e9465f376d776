import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:web` (and `npm install`'s postinstall) puts the web client. */
export const WEB_CLIENT_DIST = fileURLToPath(new URL('../../../clients/web/dist/', import.meta.url));

/**
 * The built web client's folder, or null when the suite should be skipped (the reason printed). With
 * CI=true (.ci/run) a missing build throws instead: there `npm ci`'s postinstall must have built it.
 */
export function builtWebClient(): string | null {
  if (fs.existsSync(`${WEB_CLIENT_DIST}index.html`)) return WEB_CLIENT_DIST;
  const reason = `the web client is not built (no ${WEB_CLIENT_DIST}index.html; run npm run build:web)`;
  if (process.env.CI === 'true')
    throw new Error(
      `${reason}. CI=true, so this fails the run: npm ci's postinstall (scripts/prepare-web.ts) should have built it; see its warning.`,
    );
  console.warn(`[skip] ${reason}: skipping the suites that need it.`);
  return null;
}
