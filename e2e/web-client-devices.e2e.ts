/**
 * The web client's microphone pipeline and the guild rail's folders, in a real browser against the
 * embedded process. No SFU is needed: Settings › Voice & video's microphone test runs the microphone
 * (Chromium's fake device, a beep) through the same capture pipeline a call sends (voice/capture.ts),
 * so the input volume and the input sensitivity are checked where they apply. The rail moves a guild
 * within its folder by its menu and by drag and drop, and the order is saved in the synced settings.
 * Skipped with the reason printed when Chromium or the build is missing; with CI=true either one
 * fails the run.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  CreateGuildDocument,
  builtWebClient,
  createVerifiedUser,
  freePort,
  gqlOk,
  headlessChromium,
  logMailbox,
  startGochat,
  CHROMIUM_ARGS,
  type GochatProcess,
  type Mailbox,
} from '@gochat/testkit';
import { parse } from 'graphql';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  guildsNav,
  openUser,
  reportPagesOnFailure,
  signInThroughUi,
  type UserPage,
} from './browser/harness.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const dist = builtWebClient();
const chromiumPath = headlessChromium();

interface FoldersData {
  guildFolders: { id: string; guildIds: string[] }[];
}

const SET_FOLDERS = parse(`mutation SetFolders($patch: UserSettingsPatch!, $expectedVersion: Int!) {
  updateSettings(patch: $patch, expectedVersion: $expectedVersion) { version guildFolders { id guildIds } }
}`) as TypedDocumentNode<
  { updateSettings: FoldersData & { version: number } },
  { patch: { guildFolders: { id: string; name: string; guildIds: string[] }[] }; expectedVersion: number }
>;

const FOLDERS = parse('query Folders { mySettings { guildFolders { id guildIds } } }') as TypedDocumentNode<
  { mySettings: FoldersData },
  object
>;

describe.skipIf(!dist || !chromiumPath)('the web client: microphone pipeline, folders (embedded)', () => {
  reportPagesOnFailure();
  let gochat: GochatProcess;
  let mailbox: Mailbox;
  let browser: Browser;
  const pages: UserPage[] = [];

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS, UNLIMITED_WRITES);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    mailbox = logMailbox(gochat);
    // Chromium's fake microphone (a beep) and no permission prompt.
    browser = await chromium.launch({
      executablePath: chromiumPath!,
      headless: true,
      args: [
        ...CHROMIUM_ARGS,
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
  });

  afterAll(async () => {
    const errors = pages.flatMap((p) => p.errors);
    if (errors.length) console.warn(`[browser] errors the pages logged:\n  ${errors.join('\n  ')}`);
    await browser?.close();
    expect(await gochat?.stop()).toBe(0);
  });

  /**
   * The loudest level (dB) the microphone test's meter shows over `ms`, sampled each frame: the beep
   * repeats well within it, so a level that never rises means the pipeline silenced it.
   */
  const loudestOver = (page: Page, ms: number) =>
    page.locator('meter').evaluate(
      (meter: HTMLMeterElement, span) =>
        new Promise<number>((resolve) => {
          const start = performance.now();
          let loudest = -Infinity;
          const tick = () => {
            loudest = Math.max(loudest, meter.value);
            if (performance.now() - start > span) resolve(loudest);
            else requestAnimationFrame(tick);
          };
          tick();
        }),
      ms,
    );

  it('the microphone test applies the input volume and gates by the input sensitivity', async () => {
    const user = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Mia Mic' });
    const opened = await openUser(browser, gochat.url);
    await opened.context.grantPermissions(['microphone']);
    pages.push(opened);
    const { page } = opened;
    await signInThroughUi(page, user);
    await page.getByRole('button', { name: 'User settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'User settings' });
    await dialog.getByRole('tab', { name: 'Voice & video' }).click();
    await dialog.getByRole('button', { name: 'Test the microphone' }).click();

    // Automatic sensitivity: the beep is heard and always sent.
    const status = dialog.locator('.microphone-test .hint');
    await expect.poll(() => loudestOver(page, 1_500)).toBeGreaterThan(-100);
    await expect.poll(() => status.innerText()).toBe('Sent to the call');

    // A manual threshold of 0 dB: nothing short of full scale passes.
    await dialog.getByRole('checkbox', { name: /Set input sensitivity automatically/ }).uncheck();
    const sensitivity = dialog.getByRole('slider', { name: /Input sensitivity/ });
    await sensitivity.focus();
    await page.keyboard.press('End');
    await expect.poll(() => sensitivity.inputValue()).toBe('0');
    await expect.poll(() => status.innerText()).toBe('Too quiet: not sent');
    // The lowest threshold (-100 dB): everything passes again.
    await page.keyboard.press('Home');
    await expect.poll(() => status.innerText()).toBe('Sent to the call');

    // Input volume 0 %: the pipeline's gain silences the beep (the level is the floor, -100 dB).
    const volume = dialog.getByRole('slider', { name: /Input volume/ });
    await volume.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => volume.inputValue()).toBe('0');
    await expect.poll(() => loudestOver(page, 1_500)).toBe(-100);
    // And back up: heard again.
    await page.keyboard.press('End');
    await expect.poll(() => loudestOver(page, 1_500)).toBeGreaterThan(-100);

    await dialog.getByRole('button', { name: 'Stop the microphone test' }).click();
    await dialog.locator('meter').waitFor({ state: 'detached' });
    expect(opened.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  }, 120_000);

  it('moves a guild within its folder by the rail menu and by drag and drop, saved in the synced folders', async () => {
    const user = await createVerifiedUser(gochat.url, mailbox, { displayName: 'Fay Folder' });
    const ids: string[] = [];
    for (const name of ['One guild', 'Two guild', 'Three guild'] as const) {
      const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name }, user.jwt);
      ids.push(createGuild.id);
    }
    await gqlOk(
      gochat.url,
      SET_FOLDERS,
      { patch: { guildFolders: [{ id: 'f1', name: 'Stack', guildIds: ids }] }, expectedVersion: 0 },
      user.jwt,
    );
    const opened = await openUser(browser, gochat.url);
    pages.push(opened);
    const { page } = opened;
    await signInThroughUi(page, user);
    const folder = guildsNav(page).getByRole('list', { name: 'Folder Stack' });
    const names = ['One guild', 'Two guild', 'Three guild'];
    // Each link shows the guild's initials beside its name.
    const order = () =>
      folder
        .locator('.guild-link')
        .allInnerTexts()
        .then((texts) => texts.map((text) => names.find((name) => text.includes(name))));
    await expect.poll(order).toEqual(['One guild', 'Two guild', 'Three guild']);

    await folder.getByRole('button', { name: 'Options for Three guild' }).click();
    await folder.getByRole('menuitem', { name: 'Move up' }).click();
    await expect.poll(order).toEqual(['One guild', 'Three guild', 'Two guild']);
    await expect
      .poll(async () => (await gqlOk(gochat.url, FOLDERS, {}, user.jwt)).mySettings.guildFolders[0]?.guildIds)
      .toEqual([ids[0], ids[2], ids[1]]);
    // The first guild of the folder cannot move up.
    await folder.getByRole('button', { name: 'Options for One guild' }).click();
    expect(await folder.getByRole('menuitem', { name: 'Move up' }).getAttribute('aria-disabled')).toBe(
      'true',
    );
    await page.keyboard.press('Escape');
    await folder.getByRole('menu').waitFor({ state: 'detached' });

    // Drag and drop within the folder: Two guild onto One guild's place.
    const item = (name: string) => folder.getByRole('listitem').filter({ hasText: name });
    await item('Two guild').dragTo(item('One guild'));
    await expect.poll(order).toEqual(['Two guild', 'One guild', 'Three guild']);
    await expect
      .poll(async () => (await gqlOk(gochat.url, FOLDERS, {}, user.jwt)).mySettings.guildFolders[0]?.guildIds)
      .toEqual([ids[1], ids[0], ids[2]]);
    expect(opened.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  }, 120_000);
});
