/**
 * The shared harness of the browser tests (e2e/web-client-browser.e2e.ts) and bench:web: a headless
 * Debian Chromium driven by playwright-core, one browser context per user, the UI's sign-up and
 * sign-in flows, axe-core, and screenshots. Every UI condition waits (Playwright's auto-waiting
 * locators), never sleeps, with a generous timeout for a loaded 2-core CI box.
 */
import fs from 'node:fs';
import path from 'node:path';

import { CHROMIUM_ARGS, updateDocScreenshots, verificationLink, type Mailbox } from '@gochat/testkit';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterEach } from 'vitest';

/** How long one UI condition may take to hold. */
export const UI_TIMEOUT = 30_000;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const REPO = path.resolve(import.meta.dirname, '../..');
/** Written by every run; git ignores it. */
export const SCREENSHOTS_DIR = path.join(REPO, 'test-results/screenshots');
/** Only with GOCHAT_UPDATE_SCREENSHOTS=1. */
export const DOC_SCREENSHOTS_DIR = path.join(REPO, 'docs/screenshots');
const AXE_SCRIPT = path.join(REPO, 'node_modules/axe-core/axe.min.js');

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

export interface UserPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors so far, for failure messages. */
  errors: string[];
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /** Only for axe: it is injected as a script tag, which the router's CSP would refuse. */
  bypassCSP?: boolean;
}

/** A fresh browser context (its own storage: one user) on the app, with one page. */
export async function openUser(
  browser: Browser,
  baseURL: string,
  options: OpenOptions = {},
): Promise<UserPage> {
  const context = await browser.newContext({
    baseURL,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    bypassCSP: options.bypassCSP ?? false,
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(UI_TIMEOUT);
  context.setDefaultNavigationTimeout(UI_TIMEOUT);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  const opened = { context, page, errors };
  openPages.add(opened);
  context.on('close', () => openPages.delete(opened));
  return opened;
}

/** Every page openUser opened whose context is still open, for failure reports. */
const openPages = new Set<UserPage>();

/**
 * Call inside a browser suite: when one of its tests fails, each open page's URL, visible text and
 * logged errors are printed, so a failure in CI says what the page showed instead of only which
 * locator timed out.
 */
export function reportPagesOnFailure(): void {
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const { page, errors } of openPages) {
      const text = await page
        .locator('body')
        .innerText({ timeout: 5_000 })
        .catch((error: unknown) => `(unreadable: ${(error as Error).message})`);
      console.error(
        `[browser] after "${task.name}" failed, ${page.url()} showed:\n${text.slice(0, 2_000)}` +
          (errors.length ? `\n[browser] errors:\n  ${errors.join('\n  ')}` : ''),
      );
    }
  });
}

export interface Account {
  email: string;
  password: string;
  displayName: string;
}

let counter = 0;

/** A new account's details (not yet signed up): a unique e-mail, a password, the display name. */
export function newAccount(displayName: string): Account {
  const n = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return { email: `web-${n}@example.test`, password: `pw-${n}-secret`, displayName };
}

/**
 * Signs up through /sign-up, then opens the mailed verification link in the page (it redirects to the
 * app's root, which sends a signed-out browser on to /sign-in).
 */
export async function signUpThroughUi(page: Page, mailbox: Mailbox, account: Account): Promise<void> {
  await page.goto('/sign-up');
  await page.getByLabel('Email', { exact: true }).fill(account.email);
  await page.getByLabel('Display name', { exact: true }).fill(account.displayName);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page
    .getByText(/Check your e-mail/)
    .first()
    .waitFor();
  const link = await verificationLink(mailbox, account.email, UI_TIMEOUT);
  await page.goto(link);
  await page.waitForURL((url) => url.pathname === '/' || url.pathname === '/sign-in');
}

/** Signs in through /sign-in and waits for the signed-in shell (the "Guilds" navigation). */
export async function signInThroughUi(page: Page, account: Pick<Account, 'email' | 'password'>) {
  if (new URL(page.url(), 'http://x').pathname !== '/sign-in') await page.goto('/sign-in');
  await fillSignIn(page, account);
  await guildsNav(page).waitFor();
}

export async function fillSignIn(page: Page, account: Pick<Account, 'email' | 'password'>) {
  await page.getByLabel('Email', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export const guildsNav = (page: Page) => page.getByRole('navigation', { name: 'Guilds' });
export const channelsNav = (page: Page) => page.getByRole('navigation', { name: 'Channels' });
export const messageLog = (page: Page) => page.getByRole('log', { name: 'Messages' });
export const composer = (page: Page) => page.getByRole('textbox', { name: 'Message', exact: true });
export const membersPanel = (page: Page) => page.getByRole('complementary', { name: 'Members' });

/** The message articles in the log that contain the text (a pending send's row included). */
export const messageArticles = (page: Page, text: string | RegExp) =>
  messageLog(page).getByRole('article').filter({ hasText: text });

/** The confirmed messages by this author (their articles are named after the author) that contain the text. */
export const messagesBy = (page: Page, author: string, text: string | RegExp) =>
  messageLog(page)
    .getByRole('article', { name: new RegExp(`^${escapeRegExp(author)}`) })
    .filter({ hasText: text });

/** A channel's link in the "Channels" navigation (named "# general", say, or "general"). */
export const channelLink = (page: Page, channelName: string) =>
  channelsNav(page).getByRole('link', {
    name: new RegExp(`^(# )?${escapeRegExp(channelName)}( \\(unread\\))?$`),
  });

/** Opens a guild from the "Guilds" navigation, then one of its channels, and waits for the log. */
export async function openChannel(page: Page, guildName: string, channelName = 'general') {
  await guildsNav(page).getByRole('link', { name: guildName, exact: true }).click();
  await channelLink(page, channelName).click();
  await messageLog(page).waitFor();
}

/** Types into the composer and presses Enter. */
export async function sendThroughComposer(page: Page, content: string) {
  const box = composer(page);
  await box.fill(content);
  await box.press('Enter');
}

/**
 * A message's action button (shown on hover or focus, always in the DOM): hovers the article first,
 * so the click hits a visible button.
 */
export async function messageAction(article: Locator, name: string) {
  await article.hover();
  const button = article.getByRole('button', { name, exact: true });
  await button.click();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core on the page as it is now; the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE_SCRIPT });
  const violations = await page.evaluate(async () => {
    interface Result {
      id: string;
      impact?: string | null;
      help: string;
      nodes: Array<{ target: unknown[] }>;
    }
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Result[] }> } }).axe;
    const { violations } = await axe.run();
    return violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export const formatViolations = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    at ${v.nodes.join('\n    at ')}`).join('\n');

/**
 * Saves a screenshot of the page or of one element under test-results/screenshots/<name>.png, and
 * with GOCHAT_UPDATE_SCREENSHOTS=1 also under docs/screenshots/ when `forDocs` is set.
 */
export async function saveScreenshot(target: Page | Locator, name: string, forDocs = false): Promise<string> {
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
  await target.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  if (forDocs && updateDocScreenshots()) {
    fs.mkdirSync(DOC_SCREENSHOTS_DIR, { recursive: true });
    fs.copyFileSync(file, path.join(DOC_SCREENSHOTS_DIR, `${name}.png`));
  }
  return file;
}

/** Files for a file input or chooser: a name, a MIME type and the bytes. */
export type FilesToChoose = Parameters<Page['setInputFiles']>[1];

/** Clicks a button that opens the browser's file chooser (a hidden input), and picks the files. */
export async function chooseFiles(page: Page, button: Locator, files: FilesToChoose): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button.click()]);
  await chooser.setFiles(files);
}

/** An <img>'s natural width: 0 until its bytes have loaded and decoded (or when they never will). */
export const naturalWidth = (image: Locator): Promise<number> =>
  image.evaluate((element) => (element as unknown as { naturalWidth?: number }).naturalWidth ?? 0);
