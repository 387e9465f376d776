/**
 * The web client in a real browser (issue 13, "Tests in a real browser"): headless Debian Chromium
 * through playwright-core against the embedded process serving clients/web/dist at /. Skipped with
 * the reason printed when Chromium or the build is missing; with CI=true either one fails the run.
 */
import {
  ChannelMessagesDocument,
  CreateGuildDocument,
  SendMessageDocument,
  builtWebClient,
  createVerifiedUser,
  freePort,
  gqlOk,
  headlessChromium,
  joinGuild,
  logMailbox,
  resetToken,
  startGochat,
  type GochatProcess,
  type Mailbox,
  type TestUser,
} from '@gochat/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  channelLink,
  composer,
  fillSignIn,
  formatViolations,
  guildsNav,
  launchChromium,
  membersPanel,
  messageAction,
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
  type UserPage,
} from './browser/harness.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const dist = builtWebClient();
const chromiumPath = headlessChromium();

describe.skipIf(!dist || !chromiumPath)('the web client in a real browser (embedded)', () => {
  reportPagesOnFailure();
  let gochat: GochatProcess;
  let mailbox: Mailbox;
  let browser: Browser;
  const pages: UserPage[] = [];

  /** A user's page, closed after the suite (and its errors printed when a test fails). */
  const open = async (options?: Parameters<typeof openUser>[2]) => {
    const user = await openUser(browser, gochat.url, options);
    pages.push(user);
    return user;
  };

  /** A guild made through the API by `owner`, with `members` joined, and its system channel. */
  const apiGuild = async (owner: TestUser, name: string, members: TestUser[] = []) => {
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name }, owner.jwt);
    for (const member of members) await joinGuild(gochat.url, owner.jwt, createGuild.id, member.jwt);
    return { guildId: createGuild.id, channelId: createGuild.systemChannel!.id };
  };

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

  it('two users chat live: sign-up, guild, invite, messages, edit, reaction, typing, presence', async () => {
    const [alice, bob] = await Promise.all([open(), open()]);
    const aliceAccount = newAccount('Alice');
    const bobAccount = newAccount('Bob');
    await Promise.all([
      signUpThroughUi(alice.page, mailbox, aliceAccount),
      signUpThroughUi(bob.page, mailbox, bobAccount),
    ]);
    await Promise.all([signInThroughUi(alice.page, aliceAccount), signInThroughUi(bob.page, bobAccount)]);

    // Alice creates a guild and an invite.
    const guildName = 'Browser guild';
    await alice.page.getByRole('button', { name: 'Create guild' }).click();
    const createDialog = alice.page.getByRole('dialog');
    await createDialog.getByLabel('Guild name', { exact: true }).fill(guildName);
    await createDialog.getByRole('button', { name: 'Create', exact: true }).click();
    await openChannel(alice.page, guildName);
    await alice.page.getByRole('button', { name: 'Create invite' }).click();
    const codeBox = alice.page.getByRole('textbox', { name: 'Invite code' });
    await expect.poll(() => codeBox.inputValue(), { timeout: UI_TIMEOUT }).not.toBe('');
    expect(await codeBox.isEditable()).toBe(false);
    const code = (await codeBox.inputValue()).trim();

    // Bob joins with the code.
    await bob.page.getByRole('button', { name: 'Join guild' }).click();
    const joinDialog = bob.page.getByRole('dialog');
    await joinDialog.getByLabel('Invite code', { exact: true }).fill(code);
    await joinDialog.getByRole('button', { name: 'Join', exact: true }).click();
    await openChannel(bob.page, guildName);
    // Alice may still have the invite on screen; either way she is in general.
    await channelLink(alice.page, 'general').click();

    // A message arrives without a reload; its article is named after the author.
    const first = `Hello Bob, from the browser ${Date.now()}`;
    await sendThroughComposer(alice.page, first);
    const onBob = messagesBy(bob.page, 'Alice', first);
    await onBob.waitFor();
    expect(await messageArticles(bob.page, first).count()).toBe(1);

    // Alice edits it: Bob sees the new text, marked "(edited)".
    const edited = `${first} (now with more words)`;
    await messageAction(messagesBy(alice.page, 'Alice', first), 'Edit');
    const editBox = alice.page.getByRole('textbox', { name: 'Edit message' });
    await editBox.fill(edited);
    await editBox.press('Enter');
    const editedOnBob = messagesBy(bob.page, 'Alice', 'now with more words');
    await editedOnBob.filter({ hasText: '(edited)' }).waitFor();
    expect(await messageArticles(bob.page, 'now with more words').count()).toBe(1);

    // Bob reacts: Alice sees the chip "👍 1", pressed for Bob, not for her.
    await messageAction(editedOnBob, 'React 👍');
    const chip = { name: '👍 1', exact: true };
    const chipOnAlice = messagesBy(alice.page, 'Alice', 'now with more words').getByRole('button', chip);
    await chipOnAlice.waitFor();
    expect(await chipOnAlice.getAttribute('aria-pressed')).toBe('false');
    const chipOnBob = editedOnBob.getByRole('button', chip);
    await expect.poll(() => chipOnBob.getAttribute('aria-pressed'), { timeout: UI_TIMEOUT }).toBe('true');

    // Bob types: Alice sees "Bob is typing…".
    await composer(bob.page).pressSequentially('I am writing a long', { delay: 30 });
    await alice.page.getByRole('status', { name: 'Typing' }).filter({ hasText: 'Bob is typing…' }).waitFor();
    await composer(bob.page).fill('');

    // Presence: Bob online in Alice's member list, offline once his browser closes.
    const bobInMembers = membersPanel(alice.page).getByRole('listitem').filter({ hasText: 'Bob' });
    const bobOnline = bobInMembers.filter({ hasText: /\bonline\b/ });
    // memberPresence starts with the current presence of the members shown: Bob, online since before
    // he joined, and Alice herself.
    await bobOnline.waitFor();
    await membersPanel(alice.page)
      .getByRole('listitem')
      .filter({ hasText: 'Alice' })
      .filter({ hasText: /\bonline\b/ })
      .waitFor();
    await bob.context.close();
    await bobInMembers.filter({ hasText: /\boffline\b/ }).waitFor({ timeout: 60_000 });
  }, 300_000);

  it('a client that was offline gets 20 missed messages exactly once, in order, without a reload', async () => {
    const mailboxUsers = await Promise.all(
      ['Carol', 'Dave'].map((displayName) => createVerifiedUser(gochat.url, mailbox, { displayName })),
    );
    const [carolUser, daveUser] = mailboxUsers as [TestUser, TestUser];
    const { guildId, channelId } = await apiGuild(carolUser, 'Offline guild', [daveUser]);
    // Tall pages: every message stays in the DOM even if the log renders only what is on screen.
    const viewport = { width: 1280, height: 2400 };
    const [carol, dave] = await Promise.all([open({ viewport }), open({ viewport })]);
    await Promise.all([signInThroughUi(carol.page, carolUser), signInThroughUi(dave.page, daveUser)]);
    for (const { page } of [carol, dave]) {
      await page.goto(`/guilds/${guildId}/${channelId}`);
      await messageLog(page).waitFor();
    }
    const warmup = `warm-up ${Date.now()}`;
    await sendThroughComposer(carol.page, warmup);
    await messageArticles(dave.page, warmup).waitFor();

    await dave.context.setOffline(true);
    // The socket may take a while to notice; the banner is shown if it does, but not required.
    const reconnecting = dave.page.getByRole('status').filter({ hasText: 'Reconnecting…' });
    const sawBanner = await reconnecting.waitFor({ timeout: 15_000 }).then(
      () => true,
      () => false,
    );
    console.info(`[offline] "Reconnecting…" ${sawBanner ? 'was shown' : 'did not show within 15 s'}`);

    const tag = `missed-${Date.now().toString(36)}`;
    const texts = Array.from({ length: 20 }, (_, i) => `${tag} #${String(i + 1).padStart(2, '0')}`);
    // Typed one after another as fast as the composer takes them, not waiting for each to be confirmed.
    for (const text of texts) {
      await sendThroughComposer(carol.page, text);
      await expect.poll(() => composer(carol.page).inputValue(), { timeout: UI_TIMEOUT }).toBe('');
    }
    for (const text of texts) await messagesBy(carol.page, 'Carol', text).waitFor();
    await dave.context.setOffline(false);
    if (sawBanner) await reconnecting.waitFor({ state: 'hidden', timeout: 60_000 });

    const articles = messageArticles(dave.page, tag);
    await expect.poll(() => articles.count(), { timeout: 60_000 }).toBe(20);
    for (const text of texts) expect(await messageArticles(dave.page, text).count(), text).toBe(1);
    // The sender's own page settles on one article per message too (no pending row left beside it).
    await expect.poll(() => messageArticles(carol.page, tag).count(), { timeout: UI_TIMEOUT }).toBe(20);
    // In order: as a reload would show them (the server's history, by id), and as Carol typed them.
    const numbers = async (page: typeof dave.page) =>
      (await messageArticles(page, tag).allTextContents()).map((t) => /#(\d\d)/.exec(t)?.[1]);
    const { messages } = await gqlOk(
      gochat.url,
      ChannelMessagesDocument,
      { channelId, limit: 50 },
      carolUser.jwt,
    );
    const history = [...messages]
      .sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .flatMap((m) => (m.content?.startsWith(tag) ? [m.content.slice(-2)] : []));
    const typed = texts.map((t) => t.slice(-2));
    expect(await numbers(dave.page), "Dave's log against the server's history").toEqual(history);
    expect(await numbers(carol.page), "Carol's log against the server's history").toEqual(history);
    expect(history, 'the server history against the order Carol typed them in').toEqual(typed);
    // Still the same page: no reload happened (the warm-up message's article is still there).
    expect(await messageArticles(dave.page, warmup).count()).toBe(1);
  }, 300_000);

  it('a message sent while the feed was still subscribing shows without a reload', async () => {
    const [ginaUser, hankUser] = (await Promise.all(
      ['Gina', 'Hank'].map((displayName) => createVerifiedUser(gochat.url, mailbox, { displayName })),
    )) as [TestUser, TestUser];
    const { guildId, channelId } = await apiGuild(ginaUser, 'Gap guild', [hankUser]);
    const before = `before the gap ${Date.now()}`;
    await gqlOk(gochat.url, SendMessageDocument, { channelId, content: before }, ginaUser.jwt);

    // Hank's viewer feed reaches the router only when the test lets it: his screens load over HTTP
    // first, as they do when the socket is slow to come up (a loaded server, a slow network).
    const hank = await open();
    let releaseFeed!: () => void;
    const feedGate = new Promise<void>((resolve) => (releaseFeed = resolve));
    await hank.context.routeWebSocket(/\/graphql$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const text = typeof message === 'string' ? message : message.toString();
        if (/"type":"subscribe"/.test(text) && text.includes('viewerFeed'))
          void feedGate.then(() => server.send(message));
        else server.send(message);
      });
    });
    await signInThroughUi(hank.page, hankUser);
    await hank.page.goto(`/guilds/${guildId}/${channelId}`);
    await messageArticles(hank.page, before).waitFor();

    const inTheGap = `sent in the gap ${Date.now()}`;
    await gqlOk(gochat.url, SendMessageDocument, { channelId, content: inTheGap }, ginaUser.jwt);
    releaseFeed();
    await messagesBy(hank.page, 'Gina', inTheGap).waitFor();
    // Live from then on, and each message once.
    const after = `after the gap ${Date.now()}`;
    await gqlOk(gochat.url, SendMessageDocument, { channelId, content: after }, ginaUser.jwt);
    await messagesBy(hank.page, 'Gina', after).waitFor();
    for (const text of [before, inTheGap, after])
      expect(await messageArticles(hank.page, text).count(), text).toBe(1);
  }, 300_000);

  it('a guild opened again while it was choosing its channel still lands in the channel', async () => {
    // The guild's page picks a channel and replaces its URL with it. A second navigation to the
    // guild batched with that replace (a quick second click, a loaded browser) once left the page
    // on /guilds/<id> with nothing in it: the redirect had already run for that location.
    const ida = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Ida' });
    const { guildId, channelId } = await apiGuild(ida, 'Twice guild');
    const { page } = await open();
    await signInThroughUi(page, ida);
    await page.goto(`/guilds/${guildId}/${channelId}`);
    await messageLog(page).waitFor();
    // The rail's link is clicked again inside the page's own replace of its URL.
    await page.evaluate((guildPath) => {
      const state = window as unknown as { clickedDuringReplace?: boolean };
      const replace = history.replaceState.bind(history);
      history.replaceState = (data: unknown, unused: string, url?: string | URL | null) => {
        replace(data, unused, url);
        if (state.clickedDuringReplace !== undefined || !String(url).startsWith(`${guildPath}/`)) return;
        state.clickedDuringReplace = false;
        // Within the replace: the router hears of both before React renders either.
        document.querySelector<HTMLAnchorElement>(`nav[aria-label="Guilds"] a[href="${guildPath}"]`)?.click();
        state.clickedDuringReplace = true;
      };
    }, `/guilds/${guildId}`);
    await guildsNav(page).getByRole('link', { name: 'Twice guild', exact: true }).click();
    await expect
      .poll(() => page.evaluate(() => (window as { clickedDuringReplace?: boolean }).clickedDuringReplace))
      .toBe(true);
    await page.waitForURL((url) => url.pathname === `/guilds/${guildId}/${channelId}`, {
      timeout: UI_TIMEOUT,
    });
    await channelLink(page, 'general').waitFor();
    await messageLog(page).waitFor();
  }, 180_000);

  describe('a seeded guild', () => {
    let erin: TestUser;
    let seeded: { guildId: string; channelId: string };

    beforeAll(async () => {
      const [e, f] = (await Promise.all(
        ['Erin', 'Frank'].map((displayName) => createVerifiedUser(gochat.url, mailbox, { displayName })),
      )) as [TestUser, TestUser];
      erin = e;
      seeded = await apiGuild(erin, 'Design review', [f]);
      const lines: Array<[TestUser, string]> = [
        [erin, 'Morning! The new sign-in page is up for review.'],
        [f, 'Looks good. Can we make the error messages a bit friendlier?'],
        [erin, 'Sure, they now say what to do next instead of an error code.'],
        [f, 'Great, shipping it after lunch.'],
      ];
      for (const [author, content] of lines)
        await gqlOk(gochat.url, SendMessageDocument, { channelId: seeded.channelId, content }, author.jwt);
    });

    const openSeeded = async (options?: Parameters<typeof openUser>[2]) => {
      const user = await open(options);
      await signInThroughUi(user.page, erin);
      await user.page.goto(`/guilds/${seeded.guildId}/${seeded.channelId}`);
      await messageArticles(user.page, 'shipping it after lunch').waitFor();
      return user;
    };

    it('takes screenshots of the sign-in page, a guild with messages, and the member list', async () => {
      const signedOut = await open();
      // The root shows a signed-out browser the sign-in page.
      await signedOut.page.goto('/');
      await signedOut.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      await saveScreenshot(signedOut.page, 'sign-in', true);

      const { page } = await openSeeded();
      await membersPanel(page).getByRole('listitem').filter({ hasText: 'Frank' }).waitFor();
      await saveScreenshot(page, 'guild', true);
      await saveScreenshot(membersPanel(page), 'members', true);
    }, 180_000);

    it('has no serious or critical axe-core violations on the sign-in page and the guild screen', async () => {
      const signedOut = await open({ bypassCSP: true });
      await signedOut.page.goto('/sign-in');
      await signedOut.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      const onSignIn = await seriousA11yViolations(signedOut.page);
      expect(onSignIn, `sign-in page:\n${formatViolations(onSignIn)}`).toEqual([]);

      const { page } = await openSeeded({ bypassCSP: true });
      await membersPanel(page).waitFor();
      const onGuild = await seriousA11yViolations(page);
      expect(onGuild, `guild screen:\n${formatViolations(onGuild)}`).toEqual([]);
    }, 180_000);
  });

  it('resets a forgotten password through the UI and signs in with the new one', async () => {
    const grace = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Grace' });
    const { page } = await open();
    await page.goto('/');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL((url) => url.pathname === '/reset-password');
    await page.getByLabel('Email', { exact: true }).fill(grace.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page
      .getByText(/Check your e-mail/)
      .first()
      .waitFor();

    const token = await resetToken(mailbox, grace.email, UI_TIMEOUT);
    await page.goto(`/reset-password?token=${encodeURIComponent(token)}`);
    const newPassword = `${grace.password}-renewed`;
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    // The old password is refused with a readable message; the new one signs in.
    await fillSignIn(page, grace);
    const alert = page.getByRole('alert');
    await alert
      .filter({ hasText: /\w{3,}/ })
      .first()
      .waitFor();
    const message = (await alert.first().textContent()) ?? '';
    expect(message).not.toMatch(/undefined|\[object|^[A-Z_]+$/);
    await fillSignIn(page, { email: grace.email, password: newPassword });
    await guildsNav(page).waitFor();
  }, 180_000);
});
