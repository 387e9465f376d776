/**
 * The web client's account screens in a real browser (issue 18): the mentions inbox (a mention
 * across guilds, "load older", and the jump to a message far back in its channel), the session list
 * (two browsers of one user; revoking the other one signs that browser out at once), and settings
 * synced live between two browsers of one user. Users, guilds and messages are made through the
 * API; everything asserted is what the pages show. Skipped with the reason printed when Chromium or
 * the build is missing; with CI=true either one fails the run.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  CreateChannelDocument,
  CreateGuildDocument,
  AuthzDeleteChannelDocument,
  AuthzDeleteGuildDocument,
  AuthzOpenDirectMessageDocument,
  SendMessageDocument,
  SignOutDocument,
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
import { parse } from 'graphql';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  fillSignIn,
  formatViolations,
  guildsNav,
  launchChromium,
  messageLog,
  openChannel,
  openUser,
  reportPagesOnFailure,
  saveScreenshot,
  seriousA11yViolations,
  signInThroughUi,
  type UserPage,
} from './browser/harness.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const dist = builtWebClient();
const chromiumPath = headlessChromium();

describe.skipIf(!dist || !chromiumPath)(
  'the web client: mentions inbox, sessions, settings (embedded)',
  () => {
    reportPagesOnFailure();
    let gochat: GochatProcess;
    let mailbox: Mailbox;
    let browser: Browser;
    const pages: UserPage[] = [];

    const signedIn = async (user: TestUser): Promise<Page> => {
      const opened = await openUser(browser, gochat.url);
      pages.push(opened);
      await signInThroughUi(opened.page, user);
      return opened.page;
    };

    /** A fresh user whose API session is ended, so only the browsers' sessions remain. */
    const browserOnlyUser = async (displayName: string): Promise<TestUser> => {
      const user = await createVerifiedUser(gochat.url, mailbox, { displayName });
      await gqlOk(gochat.url, SignOutDocument, {}, user.jwt);
      return user;
    };

    const expectNoSeriousViolations = async (page: Page, screen: string) => {
      const violations = await seriousA11yViolations(page);
      expect(violations, `${screen}:\n${formatViolations(violations)}`).toEqual([]);
    };

    const openUserSettings = async (page: Page, tab: string) => {
      await page.getByRole('button', { name: 'User settings' }).click();
      const dialog = page.getByRole('dialog', { name: 'User settings' });
      await dialog.getByRole('tab', { name: tab }).click();
      return dialog;
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

    it('the mentions inbox lists mentions newest first, loads older ones, and jumps to one far back', async () => {
      const [alice, bob] = await Promise.all(
        ['Alice', 'Bob'].map((displayName) => createVerifiedUser(gochat.url, mailbox, { displayName })),
      );
      const { createGuild } = await gqlOk(
        gochat.url,
        CreateGuildDocument,
        { name: 'Inbox guild' },
        alice!.jwt,
      );
      await joinGuild(gochat.url, alice!.jwt, createGuild.id, bob!.jwt);
      const general = createGuild.systemChannel!.id;
      const send = (content: string) =>
        gqlOk(gochat.url, SendMessageDocument, { channelId: general, content }, bob!.jwt);
      // The oldest mention, then more history than one page, then a full inbox page of newer mentions.
      const { sendMessage: oldest } = await send(`<@${alice!.id}> the oldest ping`);
      for (let i = 0; i < 60; i++) await send(`filler ${i}`);
      for (let i = 1; i <= 25; i++) await send(`<@${alice!.id}> ping number ${i}`);

      const page = await signedIn(alice!);
      await page.getByRole('button', { name: 'Mentions' }).click();
      const inbox = page.getByRole('dialog', { name: 'Mentions' });
      const items = inbox.getByRole('list', { name: 'Recent mentions' }).getByRole('link');
      await expect.poll(() => items.count()).toBe(25);
      // Newest first, each naming its author and place; the mention shows as the viewer's name.
      await expect.poll(() => items.first().innerText()).toMatch(/Bob[\s\S]*Inbox guild › # general/);
      expect(await items.first().locator('.mention.me').innerText()).toBe('@Alice');
      expect(await items.first().innerText()).toContain('ping number 25');
      expect(await items.last().innerText()).toContain('ping number 1');

      await inbox.getByRole('button', { name: 'Load older mentions' }).click();
      await expect.poll(() => items.count()).toBe(26);
      const oldestItem = items.last();
      expect(await oldestItem.innerText()).toContain('the oldest ping');
      // A short page: nothing older is left.
      await inbox.getByRole('button', { name: 'Load older mentions' }).waitFor({ state: 'detached' });

      await saveScreenshot(inbox, 'mentions-inbox');
      await oldestItem.click();
      await inbox.waitFor({ state: 'hidden' });
      await page.waitForURL(
        (url) =>
          url.pathname === `/guilds/${createGuild.id}/${general}` &&
          url.searchParams.get('message') === oldest.id,
      );
      // The history jumped 85 messages back and marks the message.
      await messageLog(page).locator('.row.highlighted').getByText('the oldest ping').waitFor();
    });

    it('the session list shows both browsers; revoking the other one signs it out at once', async () => {
      const carol = await browserOnlyUser('Carol');
      const here = await signedIn(carol);
      const there = await signedIn(carol);

      const dialog = await openUserSettings(here, 'Sessions');
      const sessions = dialog.getByRole('list', { name: 'Your sessions' }).getByRole('listitem');
      await expect.poll(() => sessions.count()).toBe(2);
      const current = sessions.filter({ hasText: 'This device' });
      expect(await current.count()).toBe(1);
      // The current session has no revoke button: it signs out through "Sign out".
      expect(await current.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
      await expect.poll(() => sessions.first().innerText()).toMatch(/Last seen/);

      await sessions.filter({ hasNotText: 'This device' }).getByRole('button', { name: 'Revoke' }).click();
      // The other browser's socket closes (4410) and it asks to sign in again, without a reload.
      await there.getByText('Your session ended. Please sign in again.').waitFor();
      await expect.poll(() => sessions.count()).toBe(1);
      expect(await sessions.first().textContent()).toContain('This device');
      // This one stays signed in.
      expect(await guildsNav(here).isVisible()).toBe(true);
    });

    it('settings changed in one browser apply in another browser of the same user, without a reload', async () => {
      const dana = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Dana' });
      await gqlOk(gochat.url, CreateGuildDocument, { name: 'Work guild' }, dana.jwt);
      const [one, two] = [await signedIn(dana), await signedIn(dana)];
      const theme = (page: Page) => page.evaluate(() => document.documentElement.dataset.theme ?? null);
      const background = (page: Page) =>
        page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      // Never set, the theme follows the system (this browser prefers light).
      await expect.poll(() => theme(two)).toBe('light');
      const light = await background(two);

      const settings = await openUserSettings(one, 'Appearance');
      await settings.getByRole('radio', { name: 'Dark' }).check();
      // Applied at once here, and on the other device through the viewer feed.
      await expect.poll(() => theme(one)).toBe('dark');
      await expect.poll(() => theme(two)).toBe('dark');
      expect(await background(two)).not.toBe(light);
      await settings.getByRole('radio', { name: 'Light' }).check();
      await expect.poll(() => theme(two)).toBe('light');
      await expect.poll(() => background(two)).toBe(light);
      await settings.getByRole('radio', { name: 'Compact' }).check();
      await expect.poll(() => two.evaluate(() => document.documentElement.dataset.density)).toBe('compact');

      // A folder made on one device shows in the other's guild rail, holding the guild.
      await settings.getByRole('tab', { name: 'Folders' }).click();
      await settings.getByLabel('New folder name').fill('Projects');
      await settings.getByRole('button', { name: 'Create folder' }).click();
      const folder = settings
        .getByRole('list', { name: 'Folders' })
        .getByRole('listitem', { name: 'Projects' });
      await folder.getByRole('checkbox', { name: 'Work guild' }).check();
      await guildsNav(two)
        .getByRole('list', { name: 'Folder Projects' })
        .getByRole('link', { name: 'Work guild', exact: true })
        .waitFor();
      await saveScreenshot(guildsNav(two), 'rail-folder');
      await saveScreenshot(settings, 'settings-folders-with-folder');

      // A notification level set on the other device shows here when the tab opens.
      const other = await openUserSettings(two, 'Notifications');
      await other
        .getByRole('group', { name: 'Work guild' })
        .getByLabel('Notifications')
        .selectOption('MENTIONS');
      await settings.getByRole('tab', { name: 'Notifications' }).click();
      await expect
        .poll(() =>
          settings.getByRole('group', { name: 'Work guild' }).getByLabel('Notifications').inputValue(),
        )
        .toBe('MENTIONS');

      // A channel muted from its header shows muted in the other browser's header too.
      await one.keyboard.press('Escape');
      await two.keyboard.press('Escape');
      await Promise.all([openChannel(one, 'Work guild'), openChannel(two, 'Work guild')]);
      await one.getByRole('button', { name: 'Mute', exact: true, pressed: false }).click();
      await two.getByRole('button', { name: 'Mute', exact: true, pressed: true }).waitFor();
      await one.getByRole('button', { name: 'Mute', exact: true, pressed: true }).waitFor();
    });

    it('guild order and the channel last open in a guild follow the user to another browser, live', async () => {
      const jo = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Jo' });
      const names = ['Alpha guild', 'Beta guild', 'Gamma guild'];
      const ids: string[] = [];
      // One after the other: the rail lists guilds without a saved order oldest membership first.
      for (const name of names)
        ids.push((await gqlOk(gochat.url, CreateGuildDocument, { name }, jo.jwt)).createGuild.id);
      const [alpha] = ids as [string];
      const { createChannel: random } = await gqlOk(
        gochat.url,
        CreateChannelDocument,
        { guildId: alpha, name: 'random' },
        jo.jwt,
      );
      const [one, two] = [await signedIn(jo), await signedIn(jo)];
      const railOrder = (page: Page) =>
        guildsNav(page)
          .locator('.guild-link')
          .allInnerTexts()
          .then((texts) => texts.map((text) => names.find((name) => text.includes(name))));
      await expect.poll(() => railOrder(two)).toEqual(names);

      // A channel opened in a guild is saved as that guild's selected channel (after a pause).
      await openChannel(one, 'Alpha guild', 'random');
      await expect
        .poll(async () => {
          const { mySettings } = await gqlOk(gochat.url, SELECTED_CHANNELS, {}, jo.jwt);
          return mySettings.guilds.find((g) => g.guildId === alpha)?.selectedChannelId;
        })
        .toBe(random.id);

      // Reordered through the guild's menu, by mouse and then by keyboard (focus is back on the
      // menu button after a move).
      const options = guildsNav(one).getByRole('button', { name: 'Options for Gamma guild' });
      await options.click();
      await guildsNav(one).getByRole('menuitem', { name: 'Move up' }).click();
      await expect.poll(() => railOrder(one)).toEqual(['Alpha guild', 'Gamma guild', 'Beta guild']);
      await expect.poll(() => options.evaluate((button) => button === document.activeElement)).toBe(true);
      await one.keyboard.press('Enter');
      await guildsNav(one).getByRole('menu', { name: 'Gamma guild options' }).waitFor();
      await one.keyboard.press('Enter');
      const reordered = ['Gamma guild', 'Alpha guild', 'Beta guild'];
      await expect.poll(() => railOrder(one)).toEqual(reordered);
      // The other browser's rail follows without a reload, and the top guild's "Move up" is off.
      await expect.poll(() => railOrder(two)).toEqual(reordered);
      await guildsNav(two).getByRole('button', { name: 'Options for Gamma guild' }).click();
      expect(
        await guildsNav(two).getByRole('menuitem', { name: 'Move up' }).getAttribute('aria-disabled'),
      ).toBe('true');
      await two.keyboard.press('Escape');
      await guildsNav(two).getByRole('menu').waitFor({ state: 'detached' });

      // Opening the guild there lands on the channel last open in it, here.
      await guildsNav(two).getByRole('link', { name: 'Alpha guild', exact: true }).click();
      await two.waitForURL((url) => url.pathname === `/guilds/${alpha}/${random.id}`);
      await messageLog(two).waitFor();

      // A selected channel that is gone: the guild opens on its first channel instead.
      await gqlOk(gochat.url, AuthzDeleteChannelDocument, { id: random.id }, jo.jwt);
      await two.goto(`/guilds/${alpha}`);
      await two.waitForURL((url) => url.pathname.startsWith(`/guilds/${alpha}/`));
      expect(new URL(two.url()).pathname).not.toContain(random.id);
      await messageLog(two).waitFor();

      // Sounds: a sound turned off on one device shows off on the other; all off greys the list.
      const here = await openUserSettings(one, 'Sounds');
      const there = await openUserSettings(two, 'Sounds');
      const mentionSound = (dialog: typeof here) =>
        dialog.getByRole('checkbox', { name: 'Someone mentions you' });
      expect(await mentionSound(there).isChecked()).toBe(true);
      await mentionSound(here).uncheck();
      await expect.poll(() => mentionSound(there).isChecked()).toBe(false);
      await here.getByRole('checkbox', { name: 'Play sounds' }).uncheck();
      await expect.poll(() => mentionSound(there).isDisabled()).toBe(true);
    });

    it('two-factor sign-in: set up in settings, then asked for at sign-in (app code or backup code); new backup codes replace the old', async () => {
      const erin = await browserOnlyUser('Erin');
      const page = await signedIn(erin);
      const security = await openUserSettings(page, 'Security');
      await security.getByLabel('Password', { exact: true }).fill(erin.password);
      await security.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
      const uri = await security.getByRole('link', { name: /^otpauth:/ }).getAttribute('href');
      const secret = new URL(uri!).searchParams.get('secret')!;
      const backupCodes = await security
        .getByRole('list', { name: 'Backup codes' })
        .getByRole('listitem')
        .allTextContents();
      expect(backupCodes).toHaveLength(10);

      // A wrong code is refused with the API's error; the right one turns it on.
      await security.getByLabel('Code from the app').fill(wrongCode(totp(secret)));
      await security.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
      await security.getByRole('alert').waitFor();
      await security.getByLabel('Code from the app').fill(totp(secret));
      await security.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
      await security.getByRole('button', { name: 'Turn off two-factor sign-in' }).waitFor();
      // The renewed session replaced this browser's: it stays signed in, and it is the only session.
      await security.getByRole('tab', { name: 'Sessions' }).click();
      const sessions = security.getByRole('list', { name: 'Your sessions' }).getByRole('listitem');
      await expect.poll(() => sessions.count()).toBe(1);
      expect(await sessions.first().textContent()).toContain('This device');

      // Another browser: the password, then the second step; the next period's code (the one used
      // above cannot be used twice), accepted within the clock-drift window.
      const other = await openUser(browser, gochat.url);
      pages.push(other);
      await other.page.goto('/sign-in');
      await fillSignIn(other.page, erin);
      await other.page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
      await other.page.getByLabel('Authentication code').fill(totp(secret, 1));
      await other.page.getByRole('button', { name: 'Verify' }).click();
      await guildsNav(other.page).waitFor();

      // New backup codes in settings: the old ones stop working.
      await security.getByRole('tab', { name: 'Security' }).click();
      const renewal = security.getByRole('form', { name: 'Backup codes' });
      await renewal.getByLabel('Password', { exact: true }).fill(erin.password);
      await renewal.getByRole('button', { name: 'Make new backup codes' }).click();
      const newCodes = renewal.getByRole('list', { name: 'Backup codes' }).getByRole('listitem');
      await expect.poll(() => newCodes.count()).toBe(10);
      const newCode = (await newCodes.first().textContent())!;

      // A third: an old backup code is refused, a new one stands in for the app.
      const third = await openUser(browser, gochat.url);
      pages.push(third);
      await third.page.goto('/sign-in');
      await fillSignIn(third.page, erin);
      await third.page.getByLabel('Authentication code').fill(backupCodes[0]!);
      await third.page.getByRole('button', { name: 'Verify' }).click();
      await third.page.getByRole('alert').waitFor();
      await third.page.getByLabel('Authentication code').fill(newCode);
      await third.page.getByRole('button', { name: 'Verify' }).click();
      await guildsNav(third.page).waitFor();
      // The first browser was never signed out by its session's renewal.
      expect(await guildsNav(page).isVisible()).toBe(true);
      // The list is read when the tab opens: all three browsers are signed in now.
      await security.getByRole('tab', { name: 'Profile' }).click();
      await security.getByRole('tab', { name: 'Sessions' }).click();
      await expect.poll(() => sessions.count()).toBe(3);
    });

    it('account: the data export downloads as JSON; deletion needs the right password and signs out', async () => {
      const finn = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Finn' });
      const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: 'Finn guild' }, finn.jwt);
      await gqlOk(
        gochat.url,
        SendMessageDocument,
        { channelId: createGuild.systemChannel!.id, content: 'my own words' },
        finn.jwt,
      );
      const page = await signedIn(finn);
      const account = await openUserSettings(page, 'Account');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        account.getByRole('button', { name: 'Download my data' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^gochat-data-\d{4}-\d{2}-\d{2}\.json$/);
      const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8')) as {
        messages: { content: string }[];
      };
      expect(JSON.stringify(exported)).toContain(finn.email);
      expect(exported.messages.map((m) => m.content)).toEqual(['my own words']);
      await account.getByText('Downloaded, with 1 messages.').waitFor();

      // Owning a guild blocks the deletion (CONFLICT, in words); a wrong password is refused.
      const password = account.getByLabel('Password', { exact: true });
      const confirm = account.getByRole('checkbox', { name: 'I understand this cannot be undone' });
      const remove = account.getByRole('button', { name: 'Delete my account' });
      expect(await remove.isDisabled()).toBe(true);
      await password.fill(`${finn.password}-wrong`);
      await confirm.check();
      await remove.click();
      await account.getByRole('alert').waitFor();
      await gqlOk(gochat.url, AuthzDeleteGuildDocument, { id: createGuild.id }, finn.jwt);
      await password.fill(finn.password);
      await remove.click();
      // The account is gone: this browser is back at sign-in, and the password no longer works.
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      await fillSignIn(page, finn);
      await page.getByRole('alert').waitFor();
    });

    it('a hidden DM leaves the list on every device and comes back with a new message', async () => {
      const [hana, ivan] = await Promise.all(
        ['Hana', 'Ivan'].map((displayName) => createVerifiedUser(gochat.url, mailbox, { displayName })),
      );
      const { openDirectMessage } = await gqlOk(
        gochat.url,
        AuthzOpenDirectMessageDocument,
        { userId: hana!.id },
        ivan!.jwt,
      );
      const dm = (content: string) =>
        gqlOk(gochat.url, SendMessageDocument, { channelId: openDirectMessage.id, content }, ivan!.jwt);
      await dm('first words');
      const [one, two] = [await signedIn(hana!), await signedIn(hana!)];
      const direct = (page: Page) =>
        page.getByRole('navigation', { name: 'Direct messages' }).getByRole('link', { name: /^@ Ivan/ });
      await Promise.all([direct(one).waitFor(), direct(two).waitFor()]);

      await direct(one).hover();
      await one.getByRole('button', { name: 'Hide Ivan' }).click();
      await direct(one).waitFor({ state: 'detached' });
      await direct(two).waitFor({ state: 'detached' });

      await dm('are you there?');
      await direct(one).waitFor();
      await direct(two).waitFor();
    });

    it('the new screens have no serious or critical axe-core violations', async () => {
      const gail = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Gail' });
      await gqlOk(gochat.url, CreateGuildDocument, { name: 'Gail guild' }, gail.jwt);
      const opened = await openUser(browser, gochat.url, { bypassCSP: true });
      pages.push(opened);
      const { page } = opened;
      await signInThroughUi(page, gail);
      for (const scheme of ['dark', 'light'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
        await page.getByRole('button', { name: 'Mentions' }).click();
        await page
          .getByRole('dialog', { name: 'Mentions' })
          .getByText('Nobody has mentioned you yet.')
          .waitFor();
        await expectNoSeriousViolations(page, `mentions inbox (${scheme})`);
        await page.keyboard.press('Escape');
        const dialog = await openUserSettings(page, 'Profile');
        for (const tab of [
          'Notifications',
          'Folders',
          'Appearance',
          'Voice & video',
          'Sounds',
          'Security',
          'Sessions',
          'Account',
        ]) {
          await dialog.getByRole('tab', { name: tab }).click();
          await expect.poll(() => dialog.locator('.loading').count()).toBe(0);
          await expectNoSeriousViolations(page, `settings tab ${tab} (${scheme})`);
          await saveScreenshot(dialog, `settings-${tab.replace(/\W+/g, '-').toLowerCase()}-${scheme}`);
        }
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
      }
    });
  },
);

/** The selected channel of each guild in the viewer's settings (the testkit's documents leave it out). */
const SELECTED_CHANNELS = parse(
  'query SelectedChannels { mySettings { guilds { guildId selectedChannelId } } }',
) as TypedDocumentNode<
  { mySettings: { guilds: { guildId: string; selectedChannelId: string | null }[] } },
  object
>;

/** RFC 4648 base32 (an otpauth URI's secret) to bytes. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** An authenticator app's 6-digit code (RFC 6238: HMAC-SHA1, 30 s steps), `steps` periods ahead. */
function totp(secret: string, steps = 0): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + steps));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** A 6-digit code that is not `code`. */
const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
