/**
 * Message search in the web client, in a real browser against the embedded process: the search box
 * in a channel's header, its autocomplete, the results panel with the matches marked, errors that
 * point at the bad token, and a result that opens the history around its message. The indexer feeds
 * search asynchronously, so the first search is repeated until the message is found. Skipped with
 * the reason printed when Chromium or the build is missing; with CI=true either one fails the run.
 */
import {
  AuthzUpdateMemberDocument,
  SendMessageDocument,
  UpdateProfileDocument,
  builtWebClient,
  freePort,
  gqlOk,
  headlessChromium,
  logMailbox,
  startGochat,
  type GochatProcess,
  type Mailbox,
  signInSession,
} from '@gochat/testkit';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  formatViolations,
  launchChromium,
  messageArticles,
  messageLog,
  messagesBy,
  newAccount,
  openChannel,
  openUser,
  reportPagesOnFailure,
  saveScreenshot,
  sendThroughComposer,
  seriousA11yViolations,
  signInThroughUi,
  signUpThroughUi,
  UI_TIMEOUT,
  type Account,
  type UserPage,
} from './browser/harness.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const dist = builtWebClient();
const chromiumPath = headlessChromium();

/** More than the history's first page (50), so the searched message is not loaded until asked for. */
const LATER_MESSAGES = 70;
/** How long indexing may take before a message is found: a few seconds, with room for a loaded CI box. */
const INDEX_TIMEOUT = 30_000;

const searchBox = (page: Page) => page.getByRole('combobox', { name: 'Search messages' });
const resultsPanel = (page: Page) => page.getByRole('complementary', { name: 'Search results' });
/** The panel once no search is in flight. */
const settledResults = (page: Page) => page.locator('aside[aria-label="Search results"][aria-busy="false"]');
const hits = (page: Page, text: string) => resultsPanel(page).getByRole('listitem').filter({ hasText: text });

/** Whether the element is wholly inside the scrolling history's visible area. */
const inHistoryView = (element: Locator) =>
  element.evaluate((node) => {
    const scroller = node.closest('.messages');
    if (!scroller) return false;
    const row = node.getBoundingClientRect();
    const view = scroller.getBoundingClientRect();
    return row.height > 0 && row.top >= view.top - 1 && row.bottom <= view.bottom + 1;
  });

/** Presses Enter in the search box until a result with the text shows (the indexer catches up). */
async function searchUntilFound(page: Page, query: string, text: string): Promise<void> {
  const box = searchBox(page);
  await box.fill(query);
  await expect
    .poll(
      async () => {
        await box.press('Enter');
        await settledResults(page).waitFor();
        return hits(page, text).count();
      },
      { timeout: INDEX_TIMEOUT, interval: 500 },
    )
    .toBeGreaterThan(0);
}

describe.skipIf(!dist || !chromiumPath)('the web client: message search (embedded)', () => {
  reportPagesOnFailure();
  let gochat: GochatProcess;
  let mailbox: Mailbox;
  let browser: Browser;
  const pages: UserPage[] = [];
  let page: Page;
  let account: Account;
  const tag = Date.now().toString(36);
  const handle = `searcher_${tag}`;
  /** One word, in one message only. */
  const word = `quokka${tag}`;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    mailbox = logMailbox(gochat);
    browser = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    const errors = pages.flatMap((p) => p.errors);
    if (errors.length) console.warn(`[browser] errors the pages logged:\n  ${errors.join('\n  ')}`);
    await browser?.close();
    expect(await gochat?.stop()).toBe(0);
  });

  it('finds a message from the search box, marks the match, and opens the history around it', async () => {
    // Bypassing the CSP lets axe-core be injected.
    const opened = await openUser(browser, gochat.url, { bypassCSP: true });
    pages.push(opened);
    page = opened.page;
    account = newAccount('Sam Searcher');
    await signUpThroughUi(page, mailbox, account);
    await signInThroughUi(page, account);
    // The sign-up form has no handle; from: finds users by handle, so one is set through the API.
    const signIn = await signInSession(gochat.url, { email: account.email, password: account.password });
    await gqlOk(gochat.url, UpdateProfileDocument, { input: { handle } }, signIn.jwt);

    const guildName = 'Search guild';
    await page.getByRole('button', { name: 'Create guild' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Guild name', { exact: true }).fill(guildName);
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await openChannel(page, guildName);
    const [, , guildId, channelId] = new URL(page.url()).pathname.split('/');
    expect(guildId && channelId, page.url()).toBeTruthy();
    // A nickname in this guild: results name the author as the guild knows them (Message.member).
    const nickname = `${account.displayName} Jr`;
    await gqlOk(
      gochat.url,
      AuthzUpdateMemberDocument,
      { guildId: guildId!, userId: signIn.user.id, input: { nickname } },
      signIn.jwt,
    );

    await sendThroughComposer(page, 'good morning everyone');
    await sendThroughComposer(page, `a ${word} was seen near the river today`);
    await messagesBy(page, account.displayName, word).waitFor();
    for (let i = 1; i <= LATER_MESSAGES; i++)
      await gqlOk(
        gochat.url,
        SendMessageDocument,
        { channelId: channelId!, content: `later message ${i}` },
        signIn.jwt,
      );

    // A fresh load reads only the newest page: the message is not in the history on screen.
    await page.goto(`/guilds/${guildId}/${channelId}`);
    await messageArticles(page, `later message ${LATER_MESSAGES}`).waitFor();
    expect(await messageArticles(page, word).count()).toBe(0);

    await searchUntilFound(page, word, word);
    const hit = hits(page, word);
    expect(await hit.count()).toBe(1);
    expect(await resultsPanel(page).getByRole('status').textContent()).toBe('1 result');
    expect(await hit.locator('mark').allTextContents()).toEqual([word]);
    expect(await hit.locator('.author').textContent()).toBe(nickname);
    expect(await hit.locator('.author').getAttribute('title')).toBe('Sam Searcher');
    expect(await hit.textContent()).toContain('# general');
    // Nothing else is marked: the fragment's other words are plain text.
    expect(await hit.locator('mark', { hasText: 'river' }).count()).toBe(0);

    await saveScreenshot(page, 'web-search-results');
    const violations = await seriousA11yViolations(page);
    expect(violations, formatViolations(violations)).toEqual([]);

    await hit.getByRole('link').click();
    await page.waitForURL((url) => url.searchParams.has('message'));
    const highlighted = messageLog(page).locator('.row.highlighted');
    await highlighted.filter({ hasText: word }).waitFor();
    expect(await highlighted.count()).toBe(1);
    await expect.poll(() => inHistoryView(highlighted), { timeout: UI_TIMEOUT }).toBe(true);
    await saveScreenshot(page, 'web-search-jump');
    const highlightedViolations = await seriousA11yViolations(page);
    expect(highlightedViolations, formatViolations(highlightedViolations)).toEqual([]);
    // The history around it was read: its neighbours are there, the newest messages are not.
    await messageArticles(page, 'good morning everyone').waitFor();
    expect(await messageArticles(page, `later message ${LATER_MESSAGES}`).count()).toBe(0);

    // Reading down from there reaches the newest messages again.
    const newest = messageArticles(page, `later message ${LATER_MESSAGES}`);
    await expect
      .poll(
        async () => {
          await messageLog(page).evaluate((log) => log.scrollTo({ top: log.scrollHeight }));
          return newest.count();
        },
        { timeout: UI_TIMEOUT, interval: 250 },
      )
      .toBe(1);
  }, 180_000);

  it('suggests the members for from: and picks one with the keyboard', async () => {
    const box = searchBox(page);
    await box.fill('');
    await box.pressSequentially('from:');
    const suggestions = page.getByRole('listbox', { name: 'Search suggestions' });
    const option = suggestions.getByRole('option', { name: new RegExp(`@${handle}`) });
    await option.waitFor();
    await box.press('ArrowDown');
    await expect.poll(() => option.getAttribute('aria-selected'), { timeout: UI_TIMEOUT }).toBe('true');
    await saveScreenshot(page, 'web-search-autocomplete');
    const violations = await seriousA11yViolations(page);
    expect(violations, formatViolations(violations)).toEqual([]);
    await box.press('Enter');
    await expect.poll(() => box.inputValue(), { timeout: UI_TIMEOUT }).toBe(`from:${handle} `);
    // Past the value, the filter keys are offered again (none highlighted, so Enter would search).
    await suggestions.getByRole('option', { name: /^from:/ }).waitFor();
    expect(await option.count()).toBe(0);
    expect(await suggestions.locator('[aria-selected="true"]').count()).toBe(0);

    // The server resolves the handle: the search by author and word finds the message.
    await box.pressSequentially(word);
    await box.press('Enter');
    await settledResults(page).waitFor();
    await hits(page, word).waitFor();
    expect(await resultsPanel(page).getByRole('status').textContent()).toBe('1 result');
  });

  it('shows a malformed query inline, with the bad token marked', async () => {
    const box = searchBox(page);
    // Found by the parser in the page, before anything is sent.
    await box.fill('river foo:bar');
    await box.press('Enter');
    const alert = resultsPanel(page).getByRole('alert');
    await alert.filter({ hasText: "unknown filter 'foo:'" }).waitFor();
    expect(await alert.locator('mark.bad-token').textContent()).toBe('foo:');
    expect(await box.getAttribute('aria-invalid')).toBe('true');

    // Found by the server: no user has this handle.
    await box.fill(`from:nobody_${tag} river`);
    await box.press('Enter');
    await settledResults(page).waitFor();
    await alert.filter({ hasText: `unknown user 'nobody_${tag}'` }).waitFor();
    expect(await alert.locator('mark.bad-token').textContent()).toBe(`nobody_${tag}`);
    await saveScreenshot(page, 'web-search-error');
    const violations = await seriousA11yViolations(page);
    expect(violations, formatViolations(violations)).toEqual([]);

    // A good query clears the error.
    await box.fill(word);
    await box.press('Enter');
    await hits(page, word).waitFor();
    expect(await alert.count()).toBe(0);
    expect(await box.getAttribute('aria-invalid')).toBeNull();
  });
});
