import fs from 'node:fs';

/** Debian's chromium package (`apt-get install chromium fonts-liberation`); playwright-core drives it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a headless Chromium on a CI box: no sandbox (root in a container), no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The Chromium executable, or null when the browser suites should be skipped (the reason printed).
 * With CI=true (.ci/run, which installs the package) a missing browser throws instead, as
 * builtWebClient does for a missing build.
 */
export function headlessChromium(): string | null {
  if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium fonts-liberation)`;
  if (process.env.CI === 'true')
    throw new Error(`${reason}. CI=true, so this fails the run: .ci/run should have installed it.`);
  console.warn(`[skip] ${reason}: skipping the browser suites.`);
  return null;
}

/**
 * GOCHAT_UPDATE_SCREENSHOTS=1: the browser tests also copy their screenshots of the main screens to
 * docs/screenshots/ (otherwise they only write test-results/screenshots/, which git ignores).
 */
export const updateDocScreenshots = (): boolean => process.env.GOCHAT_UPDATE_SCREENSHOTS === '1';
