/**
 * The web client's message features in a real browser (issue 13: mentions with autocomplete, unread
 * and mention badges, edit history, pins, threads, replies, "seen by", deletion, a refused send with
 * its typed error and a retry, and history loaded upwards through a virtualised list). Users and
 * guilds are made through the API; everything asserted is what the pages show. Skipped with the
 * reason printed when Chromium or the build is missing; with CI=true either one fails the run.
 */
import {
  AuthzAddMemberRoleDocument,
  AuthzCreateChannelDocument,
  AuthzCreateRoleDocument,
  AuthzUpdateChannelDocument,
  AuthzUpdateMemberDocument,
  ChannelMessagesDocument,
  CreateGuildDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
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
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  channelLink,
  channelsNav,
  composer,
  launchChromium,
  messageAction,
  messageArticles,
  messageLog,
  messagesBy,
  openChannel,
  openUser,
  reportPagesOnFailure,
  sendThroughComposer,
  signInThroughUi,
  UI_TIMEOUT,
  type UserPage,
} from './browser/harness.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const dist = builtWebClient();
const log = messageLog;
const chromiumPath = headlessChromium();

describe.skipIf(!dist || !chromiumPath)('the web client: message features (embedded)', () => {
  reportPagesOnFailure();
  let gochat: GochatProcess;
  let mailbox: Mailbox;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  const pages: UserPage[] = [];

  const signedIn = async (user: TestUser): Promise<Page> => {
    const opened = await openUser(browser, gochat.url);
    pages.push(opened);
    await signInThroughUi(opened.page, user);
    return opened.page;
  };

  /** Alice's guild with Bob in it, a second text channel, and both pages in `general`. */
  const setup = async (guildName: string) => {
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: guildName }, alice.jwt);
    await joinGuild(gochat.url, alice.jwt, createGuild.id, bob.jwt);
    const { createChannel } = await gqlOk(
      gochat.url,
      AuthzCreateChannelDocument,
      { guildId: createGuild.id, input: { name: 'second' } },
      alice.jwt,
    );
    const [a, b] = await Promise.all([signedIn(alice), signedIn(bob)]);
    await Promise.all([openChannel(a, guildName), openChannel(b, guildName)]);
    return {
      a,
      b,
      guildId: createGuild.id,
      general: createGuild.systemChannel!.id,
      second: createChannel.id,
    };
  };

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    mailbox = logMailbox(gochat);
    browser = await launchChromium(chromiumPath!);
    const users = await Promise.all(
      ['Alice', 'Bob'].map((displayName) => createVerifiedUser(gochat.url, mailbox, { displayName })),
    );
    [alice, bob] = [users[0]!, users[1]!];
  });

  afterAll(async () => {
    const errors = pages.flatMap((p) => p.errors);
    if (errors.length) console.warn(`[browser] errors the pages logged:\n  ${errors.join('\n  ')}`);
    await browser?.close();
    expect(await gochat?.stop()).toBe(0);
  });

  /** A nickname, and a role of this colour, for a member (set by Alice, the owner). */
  const knownAs = async (guildId: string, user: TestUser, nickname: string, color?: number) => {
    await gqlOk(
      gochat.url,
      AuthzUpdateMemberDocument,
      { guildId, userId: user.id, input: { nickname } },
      alice.jwt,
    );
    if (color === undefined) return;
    const { createRole } = await gqlOk(
      gochat.url,
      AuthzCreateRoleDocument,
      { guildId, input: { name: 'Coloured', color } },
      alice.jwt,
    );
    await gqlOk(
      gochat.url,
      AuthzAddMemberRoleDocument,
      { guildId, userId: user.id, roleId: createRole.id },
      alice.jwt,
    );
  };

  it('mentions: autocomplete inserts the user, the mention shows as a name, and badges count it', async () => {
    const { a, b, guildId } = await setup('Mentions guild');
    // Bob as the guild knows him: the inbox shows him so (names start with "Bob" for messagesBy).
    await knownAs(guildId, bob, 'Bobby Tables', 0x1abc9c);
    // Alice looks at another channel, so general's unread and mention badges show for her.
    await channelLink(a, 'second').click();

    await composer(b).fill('hey @Al');
    const suggestions = b.getByRole('listbox', { name: 'Mention suggestions' });
    await suggestions.getByRole('option', { name: /^Alice/ }).waitFor();
    await composer(b).press('Enter'); // chooses the highlighted suggestion
    await expect.poll(() => composer(b).inputValue()).toBe(`hey <@${alice.id}> `);
    await composer(b).pressSequentially('look at this');
    await composer(b).press('Enter');

    const sent = messagesBy(b, 'Bob', 'look at this');
    await sent.waitFor();
    expect(await sent.locator('.mention').textContent()).toBe('@Alice');
    await a.getByLabel('1 mentions').waitFor();
    await channelLink(a, 'general').click();
    const received = messagesBy(a, 'Bob', 'look at this');
    await received.locator('.mention.me', { hasText: '@Alice' }).waitFor();
    // Reading the channel clears its badge.
    await a.getByLabel('1 mentions').waitFor({ state: 'detached' });

    // The mentions inbox names the author as the guild knows him: nickname, role colour, and his
    // account name as the tooltip (Message.member, as in the message list).
    await a.getByRole('button', { name: 'Mentions', exact: true }).click();
    const inbox = a.getByRole('dialog', { name: 'Mentions', exact: true });
    const mention = inbox.getByRole('list', { name: 'Recent mentions' }).getByRole('link').first();
    const author = mention.locator('.author');
    await expect.poll(() => author.textContent(), { timeout: UI_TIMEOUT }).toBe('Bobby Tables');
    expect(await author.getAttribute('title')).toBe('Bob');
    expect(await author.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(26, 188, 156)');
    expect(await mention.innerText()).toContain('look at this');
    await inbox.getByRole('button', { name: 'Close' }).click();
    await inbox.waitFor({ state: 'hidden' });
  });

  it('edit history, pins, replies and deletion reach the other page', async () => {
    const { a, b, guildId } = await setup('Features guild');
    await knownAs(guildId, alice, 'Alice Pinner');
    await sendThroughComposer(a, 'version one');
    await messagesBy(a, 'Alice', 'version one').waitFor();
    await messageAction(messagesBy(a, 'Alice', 'version one'), 'Edit');
    const editBox = a.getByRole('textbox', { name: 'Edit message' });
    await editBox.fill('version two');
    await editBox.press('Enter');

    // Bob opens the edit history of the edited message.
    const onBob = messagesBy(b, 'Alice', 'version two');
    await onBob.getByRole('button', { name: '(edited)' }).click();
    await onBob.getByRole('region', { name: 'Edit history' }).getByText('version one').waitFor();

    // Any emoji from the picker: Alice sees Bob's 🎉 as a chip, not pressed for her.
    await messageAction(onBob, 'More reactions');
    await onBob.getByRole('group', { name: 'Reactions' }).getByRole('button', { name: 'React 🎉' }).click();
    await messagesBy(a, 'Alice', 'version two')
      .getByRole('button', { name: '🎉 1', pressed: false })
      .waitFor();

    // Pinning needs MANAGE_MESSAGES: Bob is refused, with the API's typed error in words.
    await messageAction(onBob, 'Pin');
    await onBob
      .getByRole('alert')
      .getByText(/^Not allowed:/)
      .waitFor();
    // Alice, the owner, pins it: Bob sees it marked, and in the channel's pinned messages.
    await messageAction(messagesBy(a, 'Alice', 'version two'), 'Pin');
    await onBob.getByText('· pinned').waitFor();
    await b.getByRole('button', { name: 'Pinned messages' }).click();
    const pins = b.getByRole('region', { name: 'Pinned messages' });
    await pins.getByText('version two').waitFor();
    // The pin names its author by her nickname in this guild (Message.member), not her account name.
    const pinAuthor = pins.getByRole('listitem').filter({ hasText: 'version two' }).locator('.author');
    await expect.poll(() => pinAuthor.textContent(), { timeout: UI_TIMEOUT }).toBe('Alice Pinner');

    // Bob replies: Alice sees what it answers, quoted under her nickname, live and after a reload.
    await messageAction(onBob, 'Reply');
    await sendThroughComposer(b, 'a reply to you');
    await messagesBy(a, 'Bob', 'a reply to you').getByText('↪ Alice Pinner: version two').waitFor();
    await messagesBy(b, 'Bob', 'a reply to you').getByText('↪ Alice Pinner: version two').waitFor();
    await a.reload();
    await messagesBy(a, 'Bob', 'a reply to you').getByText('↪ Alice Pinner: version two').waitFor();

    // Alice deletes her message: it leaves Bob's page; the reply says its original is gone.
    await messageAction(messagesBy(a, 'Alice', 'version two'), 'Delete');
    await messageArticles(b, 'version two')
      .filter({ hasNotText: 'a reply to you' })
      .waitFor({ state: 'detached' });
    expect(await messagesBy(b, 'Bob', 'a reply to you').count()).toBe(1);
  });

  it('threads: started from a message, opened beside the channel, live on both pages', async () => {
    const { a, b } = await setup('Threads guild');
    await sendThroughComposer(a, 'let us talk about this');
    const message = messagesBy(a, 'Alice', 'let us talk about this');
    await message.waitFor();
    await messageAction(message, 'Create thread');
    const name = a.getByRole('textbox', { name: 'Thread name' });
    await name.fill('Side topic');
    await name.press('Enter');
    const threadOnAlice = a.getByRole('main', { name: 'Thread Side topic' });
    await threadOnAlice.waitFor();
    await threadOnAlice.getByRole('textbox', { name: 'Message', exact: true }).fill('inside the thread');
    await threadOnAlice.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');

    // Bob sees the thread under the message and opens it.
    await messagesBy(b, 'Alice', 'let us talk about this')
      .getByRole('link', { name: /Side topic/ })
      .click();
    const threadOnBob = b.getByRole('main', { name: 'Thread Side topic' });
    await threadOnBob.getByRole('article').filter({ hasText: 'inside the thread' }).waitFor();
    // The channel's own log does not show the thread's message.
    const channelLog = b.getByRole('main', { name: 'Channel general' }).getByRole('log');
    expect(await channelLog.getByRole('article').filter({ hasText: 'inside the thread' }).count()).toBe(0);
  });

  it('shows who has seen the latest message', async () => {
    const { a, b } = await setup('Seen guild');
    await channelLink(b, 'second').click();
    await sendThroughComposer(a, 'did you read this?');
    await messagesBy(a, 'Alice', 'did you read this?').waitFor();
    await channelLink(b, 'general').click();
    await messagesBy(b, 'Alice', 'did you read this?').waitFor();
    // Read positions are private to each reader: Alice's page asks again every 15 s.
    await a.getByText('Seen by Bob').waitFor({ timeout: 45_000 });
  });

  it('a refused send keeps its typed error: Retry sends it once, Discard drops it; history loads both ways in a window', async () => {
    const { a, b, general, second } = await setup('Slow guild');
    // Slowmode in the second channel: Bob (no MANAGE_MESSAGES) may send there once per 60 s.
    await gqlOk(
      gochat.url,
      AuthzUpdateChannelDocument,
      { id: second, input: { slowmodeSeconds: 60 } },
      alice.jwt,
    );
    await channelLink(b, 'second').click();
    await sendThroughComposer(b, 'first under slowmode');
    await messagesBy(b, 'Bob', 'first under slowmode').waitFor();
    await sendThroughComposer(b, 'second under slowmode');
    const refused = messageArticles(b, 'second under slowmode');
    await refused
      .getByRole('alert')
      .getByText(/Not sent: Slow down: try again in \d+ seconds/)
      .waitFor();
    // Another refused send, discarded: it goes.
    await sendThroughComposer(b, 'third under slowmode');
    const discarded = messageArticles(b, 'third under slowmode');
    await discarded.getByRole('alert').waitFor();
    await discarded.getByRole('button', { name: 'Discard' }).click();
    await discarded.waitFor({ state: 'detached' });
    // Slowmode lifted, Retry sends the refused one (the same nonce): it is confirmed, once.
    await gqlOk(
      gochat.url,
      AuthzUpdateChannelDocument,
      { id: second, input: { slowmodeSeconds: 0 } },
      alice.jwt,
    );
    const retried = messagesBy(b, 'Bob', 'second under slowmode');
    await expect
      .poll(
        async () => {
          // The channel's settings may be cached for a moment: retry until the send goes through.
          const retry = refused.getByRole('button', { name: 'Retry' });
          if (await retry.count()) await retry.click();
          return retried.count();
        },
        { timeout: UI_TIMEOUT * 2, interval: 1_000 },
      )
      .toBe(1);
    // Once, with its failed row gone. The live event can show the confirmed message a moment before
    // the mutation's answer removes that row (the event carries no nonce to match it by).
    await expect.poll(() => messageArticles(b, 'second under slowmode').count()).toBe(1);
    await channelLink(b, 'general').click();

    // 400 older messages by the API (eight senders); the page shows the newest, loads older ones as
    // it scrolls up, and keeps a window of them (at most 250 cached), so the list stays small.
    await Promise.all(
      Array.from({ length: 8 }, async (_, sender) => {
        for (let i = sender + 1; i <= 400; i += 8)
          await gqlOk(
            gochat.url,
            SendMessageDocument,
            { channelId: general, content: `history ${i}` },
            alice.jwt,
          );
      }),
    );
    // The newest is whichever of the eight senders committed last (not always `history 400`): ask.
    const [newest] = (
      await gqlOk(gochat.url, ChannelMessagesDocument, { channelId: general, limit: 1 }, alice.jwt)
    ).messages;
    await a.reload();
    await log(a).getByText(newest!.content, { exact: true }).waitFor();
    const inDom = await log(a).getByRole('article').count();
    expect(inDom).toBeLessThan(60); // virtualised: only rows near the viewport are rendered
    await expect
      .poll(
        async () => {
          await log(a).evaluate((element) => (element.scrollTop = 0));
          return log(a).getByText('history 1', { exact: true }).count();
        },
        { timeout: UI_TIMEOUT * 2, interval: 250 },
      )
      .toBe(1);

    // At the top the list holds the window, not all 400: its height is under 300 rows' worth.
    const rows = await log(a).evaluate((element) => {
      const articles = [...element.querySelectorAll('article')];
      const average =
        articles.reduce((sum, node) => sum + node.getBoundingClientRect().height, 0) / articles.length;
      return element.scrollHeight / average;
    });
    expect(rows).toBeLessThan(300);

    // While Alice reads the oldest messages, Bob writes: the message waits outside her window and
    // shows, once, after the history when she scrolls back down.
    await sendThroughComposer(b, 'written while Alice was away');
    await messagesBy(b, 'Bob', 'written while Alice was away').waitFor();
    await expect
      .poll(
        async () => {
          await log(a).evaluate((element) => (element.scrollTop = element.scrollHeight));
          return log(a).getByText('written while Alice was away', { exact: true }).count();
        },
        { timeout: UI_TIMEOUT * 2, interval: 250 },
      )
      .toBe(1);
    // In order: after the history (whose newest is whichever of the eight senders committed last).
    const lastTwo = await log(a)
      .locator('article .content')
      .evaluateAll((nodes) => nodes.slice(-2).map((node) => node.textContent));
    expect(lastTwo[0]).toBe(newest!.content);
    expect(lastTwo[1]).toBe('written while Alice was away');
  }, 240_000); // long: thousands of messages paged both ways; near 120 s beside other suites

  it('a session ended elsewhere (a password reset) sends the open page to sign-in', async () => {
    const carol = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Carol' });
    const page = await signedIn(carol);
    await gqlOk(gochat.url, RequestPasswordResetDocument, { email: carol.email });
    const token = await resetToken(mailbox, carol.email, UI_TIMEOUT);
    await gqlOk(gochat.url, ResetPasswordDocument, { token, newPassword: `${carol.password}-new` });
    // The reset ends every session: the router closes the page's socket (4410), and the page asks
    // to sign in again.
    await page.getByText('Your session ended. Please sign in again.').waitFor();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  });

  it('signs out, stays signed out after a reload, and names what it cannot find', async () => {
    const dave = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Dave' });
    const page = await signedIn(dave);
    // A guild that does not exist (or is not the viewer's): the API's NOT_FOUND in words, not a blank page.
    await page.goto('/guilds/123456789012345678');
    await page
      .getByRole('alert')
      .getByText(/^Not found:/)
      .waitFor();
    await page.getByRole('navigation', { name: 'Guilds' }).getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Guilds' }).count()).toBe(0);
  });

  it('channels by category; a new channel from the sidebar; direct messages from the member list, live both ways', async () => {
    const { a, b, guildId } = await setup('Direct guild');
    // A category with a channel in it (through the API): the list groups it under the category's name.
    const { createChannel: category } = await gqlOk(
      gochat.url,
      AuthzCreateChannelDocument,
      { guildId, input: { name: 'Team', kind: 'CATEGORY' } },
      alice.jwt,
    );
    await gqlOk(
      gochat.url,
      AuthzCreateChannelDocument,
      { guildId, input: { name: 'standup', parentId: category.id } },
      alice.jwt,
    );
    const teamSection = channelsNav(b).locator('section', { has: b.getByRole('heading', { name: 'Team' }) });
    await teamSection.getByRole('link', { name: /standup/ }).waitFor();
    expect(await teamSection.getByRole('link', { name: /general/ }).count()).toBe(0);

    // Alice, the owner, creates a channel; Bob sees it appear in his channel list.
    await a.getByRole('button', { name: 'Create channel' }).click();
    await a.getByRole('textbox', { name: 'Channel name' }).fill('plans');
    await a.getByRole('button', { name: 'Create', exact: true }).click();
    await a.getByRole('main', { name: 'Channel plans' }).waitFor();
    await channelLink(b, 'plans').waitFor();
    // Bob may not (no MANAGE_CHANNELS): the refusal is shown.
    await b.getByRole('button', { name: 'Create channel' }).click();
    await b.getByRole('textbox', { name: 'Channel name' }).fill('mine');
    await b.getByRole('button', { name: 'Create', exact: true }).click();
    await b
      .getByRole('alert')
      .getByText(/^Not allowed:/)
      .waitFor();

    // Bob writes to Alice from the member list; the DM shows up in Alice's list, unread.
    await b.getByRole('button', { name: 'Message Alice' }).click();
    const withAlice = b.getByRole('main', { name: 'Conversation with Alice' });
    await withAlice.waitFor();
    await withAlice.getByRole('textbox', { name: 'Message', exact: true }).fill('just between us');
    await withAlice.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    const dms = a.getByRole('navigation', { name: 'Direct messages' });
    await dms.getByRole('link', { name: '@ Bob (unread)' }).click();
    const withBob = a.getByRole('main', { name: 'Conversation with Bob' });
    await withBob.getByRole('article').filter({ hasText: 'just between us' }).waitFor();
    await withBob.getByRole('textbox', { name: 'Message', exact: true }).fill('agreed');
    await withBob.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    await withAlice
      .getByRole('article', { name: /^Alice/ })
      .filter({ hasText: 'agreed' })
      .waitFor();
  });
});
