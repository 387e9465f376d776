/**
 * The web client's media in a real browser: files attached in the composer (progress, a refused
 * file removed), sent, and seen by another member as a BlurHash-then-preview image that opens in a
 * lightbox; an avatar set (and an earlier one picked again); a guild icon in the guild list; a custom
 * emoji from an image. Users and the guild are made through the API; everything asserted is what the
 * pages show. Skipped with the reason printed when Chromium or the build is missing; with CI=true
 * either one fails the run.
 */
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
  type TestUser,
} from '@gochat/testkit';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  chooseFiles,
  composer,
  formatViolations,
  guildsNav,
  launchChromium,
  messageLog,
  messagesBy,
  naturalWidth,
  openUser,
  reportPagesOnFailure,
  saveScreenshot,
  sendThroughComposer,
  seriousA11yViolations,
  signInThroughUi,
  UI_TIMEOUT,
  type OpenOptions,
  type UserPage,
} from './browser/harness.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const dist = builtWebClient();
/** expect.poll waits a second by default: UI conditions get the harness's timeout. */
const WAIT = { timeout: UI_TIMEOUT };
const chromiumPath = headlessChromium();

/** A photo-like JPEG: a gradient, so its BlurHash and previews are not one flat colour. */
async function photo(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = 160;
    }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

const png = (size: number, background: string) =>
  sharp({ create: { width: size, height: size, channels: 4, background } })
    .png()
    .toBuffer();

describe.skipIf(!dist || !chromiumPath)('the web client: media (embedded)', () => {
  reportPagesOnFailure();
  let gochat: GochatProcess;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  const pages: UserPage[] = [];

  const signedIn = async (user: TestUser, options?: OpenOptions): Promise<Page> => {
    const opened = await openUser(browser, gochat.url, options);
    pages.push(opened);
    await signInThroughUi(opened.page, user);
    return opened.page;
  };

  /** Alice's page (the router's CSP in force) and Bob's (CSP bypassed, so that axe can run there). */
  let a: Page;
  let b: Page;

  /** Opens a guild's channel by its address and waits for its log. */
  const visit = async (page: Page, guildId: string, channelId: string) => {
    await page.goto(`/guilds/${guildId}/${channelId}`);
    await messageLog(page).waitFor();
  };

  /** A new guild of Alice's with Bob in it, both pages in its `general`. */
  const setup = async (guildName: string) => {
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: guildName }, alice.jwt);
    await joinGuild(gochat.url, alice.jwt, createGuild.id, bob.jwt);
    const channelId = createGuild.systemChannel!.id;
    await Promise.all([visit(a, createGuild.id, channelId), visit(b, createGuild.id, channelId)]);
    return { guildId: createGuild.id, channelId };
  };

  const expectNoSeriousViolations = async (page: Page, screen: string) => {
    const violations = await seriousA11yViolations(page);
    expect(violations, `${screen}:\n${formatViolations(violations)}`).toEqual([]);
  };

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    const mailbox = logMailbox(gochat);
    browser = await launchChromium(chromiumPath!);
    const users = await Promise.all(
      ['Alice', 'Bob'].map((displayName) => createVerifiedUser(gochat.url, mailbox, { displayName })),
    );
    [alice, bob] = [users[0]!, users[1]!];
    // Signed in once for the whole file (signing in is slow on a busy machine): each test visits its guild.
    [a, b] = await Promise.all([signedIn(alice), signedIn(bob, { bypassCSP: true })]);
  });

  afterAll(async () => {
    const errors = pages.flatMap((p) => p.errors);
    if (errors.length) console.warn(`[browser] errors the pages logged:\n  ${errors.join('\n  ')}`);
    await browser?.close();
    expect(await gochat?.stop()).toBe(0);
  });

  it('attachments: queued with progress, a refused one removed, sent; the other member sees the preview and opens the lightbox', async () => {
    await setup('Photos guild');
    const queue = a.getByRole('list', { name: 'Files to send' });

    // Two files through the attach button: a photo, and a "PNG" that is really HTML (refused).
    await chooseFiles(a, a.getByRole('button', { name: 'Attach files' }), [
      { name: 'sunset.jpg', mimeType: 'image/jpeg', buffer: await photo(800, 600) },
      {
        name: 'cat.png',
        mimeType: 'image/png',
        buffer: Buffer.from('<!doctype html><script>alert(1)</script>'),
      },
    ]);
    const photoBar = queue.getByRole('progressbar', { name: 'sunset.jpg' });
    await photoBar.waitFor();
    // A thumbnail of the image, from the file itself (a blob: URL the page's CSP allows).
    const thumbnail = queue.getByRole('listitem').filter({ hasText: 'sunset.jpg' }).locator('img');
    await expect.poll(() => naturalWidth(thumbnail), WAIT).toBeGreaterThan(0);
    await expect
      .poll(() => photoBar.evaluate((bar) => (bar as unknown as { value: number }).value), WAIT)
      .toBe(1);
    await queue.getByRole('listitem').filter({ hasText: 'sunset.jpg' }).getByText('Ready').waitFor();
    const refused = queue.getByRole('listitem').filter({ hasText: 'cat.png' });
    await refused.getByRole('alert').waitFor();
    expect((await refused.getByRole('alert').textContent())?.length).toBeGreaterThan(5);
    await saveScreenshot(a.locator('.composer'), 'media-composer');

    // Send is refused while a failed file is queued; removing it lets the message go.
    await sendThroughComposer(a, 'the view from here');
    await a.getByRole('alert').filter({ hasText: 'Remove the files that could not be uploaded' }).waitFor();
    await a.getByRole('button', { name: 'Remove cat.png' }).click();
    await a.getByRole('button', { name: 'Send', exact: true }).click();
    await queue.waitFor({ state: 'detached' });
    expect(await composer(a).inputValue()).toBe('');

    // Alice's own message shows the preview.
    const mine = messagesBy(a, 'Alice', 'the view from here');
    await expect
      .poll(() => naturalWidth(mine.getByRole('img', { name: 'sunset.jpg' })), WAIT)
      .toBeGreaterThan(0);

    // Bob sees it live: the image box at most 400x300, the preview loaded.
    const onBob = messagesBy(b, 'Alice', 'the view from here');
    const preview = onBob.getByRole('img', { name: 'sunset.jpg' });
    await expect.poll(() => naturalWidth(preview), WAIT).toBeGreaterThan(0);
    const box = await preview.boundingBox();
    expect(box?.width).toBeLessThanOrEqual(400);
    expect(box?.height).toBeLessThanOrEqual(300);
    expect(Math.round((box!.width / box!.height) * 100) / 100).toBeCloseTo(800 / 600, 1);
    await saveScreenshot(onBob, 'media-message');

    // The lightbox: the 1280 preview and a download link; Escape closes it.
    await onBob.getByRole('button', { name: 'Open sunset.jpg' }).click();
    const lightbox = b.getByRole('dialog', { name: 'sunset.jpg' });
    await lightbox.waitFor();
    const large = lightbox.getByRole('img', { name: 'sunset.jpg' });
    await expect.poll(() => naturalWidth(large), WAIT).toBeGreaterThan(0);
    const download = lightbox.getByRole('link', { name: 'Download' });
    expect(await download.getAttribute('href')).toBeTruthy();
    const response = await b.request.get(new URL((await download.getAttribute('href'))!, gochat.url).href);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('image/jpeg');
    await saveScreenshot(b, 'media-lightbox');
    await expectNoSeriousViolations(b, 'lightbox');
    await b.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached' });

    // A file of another kind, dropped on the composer, sent with no text: a card with its size and
    // a download link.
    const dropped = await a.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['hello, files\\n'], 'notes.txt', { type: 'text/plain' }));
      return transfer;
    })()`);
    await a.locator('.composer').dispatchEvent('dragover', { dataTransfer: dropped });
    await a.getByText('Drop files to attach them').waitFor();
    await a.locator('.composer').dispatchEvent('drop', { dataTransfer: dropped });
    await queue.getByRole('listitem').filter({ hasText: 'notes.txt' }).getByText('Ready').waitFor();
    await composer(a).press('Enter');
    const card = messageLog(b).getByRole('link', { name: 'Download notes.txt' });
    await card.waitFor();
    await messageLog(b).getByText('13 B').waitFor();
    await expectNoSeriousViolations(b, 'messages with attachments');
  }, 240_000);

  it('profile: an avatar uploaded and shown, an earlier one picked again', async () => {
    await setup('Avatar guild');
    await a.getByRole('button', { name: 'User settings' }).click();
    const settings = a.getByRole('dialog', { name: 'User settings' });
    await settings.getByLabel('Upload avatar').setInputFiles({
      name: 'me.png',
      mimeType: 'image/png',
      buffer: await png(256, '#3366cc'),
    });
    const current = settings.getByRole('img', { name: 'Your avatar' });
    await expect.poll(() => naturalWidth(current), WAIT).toBeGreaterThan(0);
    const first = await current.getAttribute('src');

    // A second avatar; then the first again, from the history.
    await settings.getByLabel('Upload avatar').setInputFiles({
      name: 'me2.png',
      mimeType: 'image/png',
      buffer: await png(256, '#cc3366'),
    });
    await expect.poll(() => current.getAttribute('src'), WAIT).not.toBe(first);
    const earlier = settings.getByRole('button', { name: /^Use the avatar set/ });
    await earlier.first().waitFor();
    await earlier.first().click();
    await expect.poll(() => current.getAttribute('src'), WAIT).toBe(first);
    await settings.getByRole('button', { name: 'Close' }).click();
    await settings.waitFor({ state: 'hidden' });

    // The rail shows it next to Alice's name (the dialog's content is gone once closed).
    const rail = a.locator('.rail').getByRole('img', { name: 'Your avatar' });
    await expect.poll(() => rail.getAttribute('src'), WAIT).toBe(first);
    await expect.poll(() => naturalWidth(rail), WAIT).toBeGreaterThan(0);
    // So does her own message.
    await sendThroughComposer(a, 'with my face on it');
    const avatar = messagesBy(a, 'Alice', 'with my face on it').locator('header img');
    await expect.poll(() => avatar.getAttribute('src'), WAIT).toBe(first);
    // And so does Bob: without a guild avatar, a message shows its author's own (not initials).
    const onBobs = messagesBy(b, 'Alice', 'with my face on it').locator('header img');
    await expect.poll(() => onBobs.getAttribute('src'), WAIT).toBe(first);
    await expect.poll(() => naturalWidth(onBobs), WAIT).toBeGreaterThan(0);
  }, 180_000);

  it('guild settings: an icon in the guild list, an emoji from an image; only for those who may', async () => {
    await setup('Icon guild');
    // Bob has no MANAGE_GUILD or MANAGE_EMOJIS: no entry.
    await b.getByRole('button', { name: 'Create invite' }).waitFor();
    expect(await b.getByRole('button', { name: 'Guild settings' }).count()).toBe(0);

    await a.getByRole('button', { name: 'Guild settings' }).click();
    const settings = a.getByRole('dialog', { name: 'Guild settings' });
    await settings.getByLabel('Upload guild icon').setInputFiles({
      name: 'icon.png',
      mimeType: 'image/png',
      buffer: await png(256, '#00aa66'),
    });
    const icon = guildsNav(a).getByRole('img', { name: 'Icon guild' });
    await expect.poll(() => naturalWidth(icon), WAIT).toBeGreaterThan(0);
    // The link keeps its name: the icon's alt text.
    await guildsNav(a).getByRole('link', { name: 'Icon guild', exact: true }).waitFor();
    // Bob's guild list follows (GuildUpdated).
    await expect
      .poll(() => naturalWidth(guildsNav(b).getByRole('img', { name: 'Icon guild' })), {
        timeout: UI_TIMEOUT,
      })
      .toBeGreaterThan(0);

    await settings.getByLabel('Emoji name').fill('party_cat');
    await settings.getByLabel('Upload emoji').setInputFiles({
      name: 'party.png',
      mimeType: 'image/png',
      buffer: await png(64, '#ffaa00'),
    });
    await settings.getByRole('button', { name: 'Add emoji' }).click();
    const emoji = settings
      .getByRole('list', { name: 'Guild emoji' })
      .getByRole('img', { name: ':party_cat:' });
    await expect.poll(() => naturalWidth(emoji), WAIT).toBeGreaterThan(0);
    await saveScreenshot(settings, 'guild-settings');
    await a.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });
  }, 180_000);

  it('my server profile: any member sets an avatar for one guild; their messages show it to others', async () => {
    await setup('Profile guild');
    await b.getByRole('button', { name: 'My server profile' }).click();
    const profile = b.getByRole('dialog', { name: 'My server profile' });
    await profile.getByLabel('Upload server avatar').setInputFiles({
      name: 'server-me.png',
      mimeType: 'image/png',
      buffer: await png(128, '#aa3366'),
    });
    const current = profile.getByRole('img', { name: 'Your avatar in this guild' });
    await expect.poll(() => naturalWidth(current), WAIT).toBeGreaterThan(0);
    await profile.getByRole('button', { name: 'Close' }).click();
    await profile.waitFor({ state: 'hidden' });
    // Alice sees Bob's message with the guild avatar (his Member entry, read again on GuildMemberUpdated).
    await sendThroughComposer(b, 'with my server face');
    const onAlices = messagesBy(a, 'Bob', 'with my server face').locator('header img');
    await expect.poll(() => naturalWidth(onAlices), WAIT).toBeGreaterThan(0);
  }, 180_000);

  it('has no serious or critical axe-core violations in the user and guild settings dialogs', async () => {
    const { guildId, channelId } = await setup('Settings guild');
    const page = await signedIn(alice, { bypassCSP: true });
    await visit(page, guildId, channelId);
    await page.getByRole('button', { name: 'User settings' }).click();
    const user = page.getByRole('dialog', { name: 'User settings' });
    await user.getByLabel('Upload avatar').waitFor();
    await expectNoSeriousViolations(page, 'user settings');
    await page.keyboard.press('Escape');
    await user.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Guild settings' }).click();
    const guild = page.getByRole('dialog', { name: 'Guild settings' });
    await guild.getByLabel('Upload guild icon').waitFor();
    await expectNoSeriousViolations(page, 'guild settings');
  }, 120_000);
});
