/**
 * The web client's embeds in a real browser: rich embeds sent through the API show as cards on the
 * other page (title link, description as text, fields, footer, colour, a picture with its box
 * reserved), and "Remove embeds" / "Show embeds" (its author, or a MANAGE_MESSAGES holder) reach the
 * other page live through MessageEmbedsUpdated; a link typed in the composer to a loopback page (allowed
 * by this file's `embeds` configuration only) gets its preview card live on the other page, its
 * thumbnail loaded from GoChat's own /media copy. Skipped with the reason printed when Chromium or the
 * build is missing; with CI=true either one fails the run.
 */
import { SendMessageDocument } from '@gochat/react';
import {
  CreateGuildDocument,
  builtWebClient,
  createVerifiedUser,
  freePort,
  gqlOk,
  headlessChromium,
  joinGuild,
  logMailbox,
  startGochat,
  type GochatProcess,
  type Mailbox,
  type TestUser,
} from '@gochat/testkit';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  launchChromium,
  messageAction,
  messagesBy,
  naturalWidth,
  openChannel,
  openUser,
  reportPagesOnFailure,
  sendThroughComposer,
  signInThroughUi,
  type UserPage,
} from './browser/harness.ts';
import { startPageServer, type PageServer } from './embeds/page-server.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const dist = builtWebClient();
const chromiumPath = headlessChromium();

/** A message action button, once the article is hovered (the actions show on hover or focus). */
async function actionShown(article: Locator, name: string): Promise<Locator> {
  await article.hover();
  const button = article.getByRole('button', { name, exact: true });
  await button.waitFor();
  return button;
}

describe.skipIf(!dist || !chromiumPath)('the web client: embeds (embedded)', () => {
  reportPagesOnFailure();
  let gochat: GochatProcess;
  let mailbox: Mailbox;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  /** A loopback site for link previews, allowed by this test's configuration only. */
  let site: PageServer;
  const pages: UserPage[] = [];

  const signedIn = async (user: TestUser): Promise<Page> => {
    const opened = await openUser(browser, gochat.url);
    pages.push(opened);
    await signInThroughUi(opened.page, user);
    return opened.page;
  };

  beforeAll(async () => {
    site = await startPageServer();
    const { dir, file } = tempConfig(
      RELAXED_LIMITS + UNLIMITED_SENDS,
      UNLIMITED_WRITES,
      `embeds:\n  allowAddresses: ['127.0.0.1/32']\n  ports: [${site.port}]\n`,
    );
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
    await site?.close();
  });

  it('shows rich embeds as cards; "Remove embeds" and "Show embeds" reach the other page live', async () => {
    const guildName = 'Embeds guild';
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: guildName }, alice.jwt);
    await joinGuild(gochat.url, alice.jwt, createGuild.id, bob.jwt);
    const channelId = createGuild.systemChannel!.id;
    // Alice owns the guild (MANAGE_MESSAGES); Bob is a member.
    const [a, b] = await Promise.all([signedIn(alice), signedIn(bob)]);
    await Promise.all([openChannel(a, guildName), openChannel(b, guildName)]);

    // Bob's bot-style message: no content, two rich embeds.
    const picture = `${gochat.url}/favicon.svg`;
    const { sendMessage } = await gqlOk(
      gochat.url,
      SendMessageDocument,
      {
        channelId,
        content: '',
        embeds: [
          {
            title: 'Release 1.2',
            url: 'https://example.com/releases/1.2',
            description: 'Line one\n<b>not bold</b>',
            color: 0x57f287,
            timestamp: '2026-12-06T10:00:00.000Z',
            author: { name: 'CI bot', url: 'https://example.com/bot' },
            footer: { text: 'build 42' },
            fields: [
              { name: 'Version', value: '1.2', inline: true },
              { name: 'Status', value: 'green', inline: true },
              { name: 'Notes', value: 'All checks passed' },
            ],
          },
          { title: 'Our logo', description: 'A picture', imageUrl: picture },
        ],
      },
      bob.jwt,
    );
    expect(sendMessage.embeds.map((e) => e.type)).toEqual(['RICH', 'RICH']);
    expect(sendMessage.embedsSuppressed).toBe(false);

    // Alice's page: the cards, live.
    const onA = messagesBy(a, 'Bob', 'Release 1.2');
    const release = onA.getByRole('group', { name: 'Embed: Release 1.2' });
    await release.waitFor();
    // No empty content paragraph for a message of embeds only.
    expect(await onA.locator('p.content').count()).toBe(0);
    const title = release.getByRole('link', { name: 'Release 1.2' });
    expect(await title.getAttribute('href')).toBe('https://example.com/releases/1.2');
    expect(await title.getAttribute('target')).toBe('_blank');
    expect(await title.getAttribute('rel')).toBe('noopener noreferrer nofollow ugc');
    expect(await release.getByRole('link', { name: 'CI bot' }).getAttribute('href')).toBe(
      'https://example.com/bot',
    );
    // The description is text: the markup shows as written, never as HTML.
    expect(await release.locator('.embed-description').textContent()).toBe('Line one\n<b>not bold</b>');
    expect(await release.locator('.embed-description b').count()).toBe(0);
    expect(await release.locator('dt').allTextContents()).toEqual(['Version', 'Status', 'Notes']);
    expect(await release.locator('dd').allTextContents()).toEqual(['1.2', 'green', 'All checks passed']);
    expect(await release.locator('.embed-field.inline').count()).toBe(2);
    expect(await release.locator('.embed-footer').textContent()).toMatch(/^build 42 • .*2026/);
    expect(await release.evaluate((el) => getComputedStyle(el).borderLeftColor)).toBe('rgb(87, 242, 135)');
    // Inline fields sit side by side.
    const [version, status] = await Promise.all(
      ['Version', 'Status'].map((name) =>
        release.locator('.embed-field', { hasText: name }).evaluate((el) => el.getBoundingClientRect().top),
      ),
    );
    expect(version).toBe(status);

    const logo = onA.getByRole('group', { name: 'Embed: Our logo' });
    const image = logo.getByRole('img', { name: 'Our logo' });
    await image.waitFor();
    expect(await image.getAttribute('src')).toBe(picture);
    expect(await image.getAttribute('loading')).toBe('lazy');
    expect(await image.getAttribute('referrerpolicy')).toBe('no-referrer');
    // Its box is reserved before it loads (16:9 for a picture of unknown size).
    expect([await image.getAttribute('width'), await image.getAttribute('height')]).toEqual(['400', '225']);
    await expect
      .poll(() =>
        image.evaluate(
          (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
        ),
      )
      .toBe(true);

    // Bob (the author) removes the embeds; Alice (MANAGE_MESSAGES) sees it live and shows them again.
    const onB = messagesBy(b, 'Bob', 'Release 1.2');
    await onB.getByRole('group', { name: 'Embed: Release 1.2' }).waitFor();
    await messageAction(onB, 'Remove embeds');
    await actionShown(onB, 'Show embeds');
    const showOnA = await actionShown(onA, 'Show embeds');
    // Rich embeds sent with the message stay: suppression hides link previews only.
    await release.waitFor();
    await logo.waitFor();
    await showOnA.click();
    await actionShown(onB, 'Remove embeds');
    await actionShown(onA, 'Remove embeds');
  });

  it("offers 'Remove embeds' to the author and moderators only", async () => {
    const guildName = 'Embeds rights guild';
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: guildName }, alice.jwt);
    await joinGuild(gochat.url, alice.jwt, createGuild.id, bob.jwt);
    const channelId = createGuild.systemChannel!.id;
    const [a, b] = await Promise.all([signedIn(alice), signedIn(bob)]);
    await Promise.all([openChannel(a, guildName), openChannel(b, guildName)]);

    await gqlOk(
      gochat.url,
      SendMessageDocument,
      { channelId, content: 'status report', embeds: [{ title: 'All good', color: 0xff0000 }] },
      alice.jwt,
    );
    const onB = messagesBy(b, 'Alice', 'status report');
    await onB.getByRole('group', { name: 'Embed: All good' }).waitFor();
    // The content shows above the card.
    expect(await onB.locator('p.content').textContent()).toContain('status report');
    await actionShown(onB, 'Reply');
    expect(await onB.getByRole('button', { name: 'Remove embeds' }).count()).toBe(0);
    await actionShown(messagesBy(a, 'Alice', 'status report'), 'Remove embeds');
  });

  it('previews a link typed in the composer live on the other page; "Remove embeds" hides it on both', async () => {
    const guildName = 'Link previews guild';
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: guildName }, alice.jwt);
    await joinGuild(gochat.url, alice.jwt, createGuild.id, bob.jwt);
    const [a, b] = await Promise.all([signedIn(alice), signedIn(bob)]);
    await Promise.all([openChannel(a, guildName), openChannel(b, guildName)]);

    const link = site.url('/article');
    await sendThroughComposer(a, `Have a look: ${link}`);

    // Bob's page, without a reload: the card arrives with MessageEmbedsUpdated.
    const onB = messagesBy(b, 'Alice', 'Have a look');
    const card = onB.getByRole('group', { name: 'Embed: Loopback article' });
    await card.waitFor();
    expect(await card.getByRole('link', { name: 'Loopback article' }).getAttribute('href')).toBe(link);
    expect(await card.locator('.embed-description').textContent()).toBe(
      'What the article is about, from og:description.',
    );
    expect(await card.locator('.embed-provider').textContent()).toBe('Loopback Times');
    // The thumbnail is GoChat's copy, loaded from its own /media URL, never from the page's site.
    const thumbnail = card.locator('img.embed-thumbnail');
    const src = (await thumbnail.getAttribute('src'))!;
    expect(new URL(src).origin).toBe(new URL(gochat.url).origin);
    expect(new URL(src).pathname).toMatch(/^\/media\//);
    await expect.poll(() => naturalWidth(thumbnail), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(site.hits('/article')).toBe(1);
    expect(site.hits('/pictures/article.png')).toBe(1);

    // Alice's own page shows it too; she removes the previews there and both pages lose the card.
    const onA = messagesBy(a, 'Alice', 'Have a look');
    await onA.getByRole('group', { name: 'Embed: Loopback article' }).waitFor();
    await messageAction(onA, 'Remove embeds');
    await onA.getByRole('group', { name: 'Embed: Loopback article' }).waitFor({ state: 'detached' });
    await card.waitFor({ state: 'detached' });
    await actionShown(onA, 'Show embeds');
    expect(await onA.getByText('Link previews removed.').count()).toBe(1);
    // The content (and its link) stays.
    expect(await onB.locator('p.content').textContent()).toContain(link);
  });
});
