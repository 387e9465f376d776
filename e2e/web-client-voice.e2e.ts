/**
 * Voice in the web client, in a real browser against the embedded process (issue 17). Two pages, the
 * guild's owner and a member. Without an SFU here, the configured voice node's URL points at a port
 * nothing listens on: the member's page shows it cannot reach the voice server, while the API keeps
 * its voice state (connectGraceSeconds is raised so it is not dropped mid-test), so everything else
 * is real: the owner sees them in the channel live, their mute, a server mute from the participant
 * menu, a move to another channel (the member's page follows it) and a disconnect, and the member's
 * page shows each of these without a page error. A second suite, where MEDIASOUP_WORKER_BIN names a
 * mediasoup worker, runs the SFU in the embedded process and has two pages with Chromium's fake
 * microphone hear each other speak. Skipped with the reason printed when Chromium or the build is
 * missing; with CI=true either one fails the run.
 */
import {
  AuthzCreateChannelDocument,
  CreateGuildDocument,
  builtWebClient,
  createVerifiedUser,
  freePort,
  gqlOk,
  headlessChromium,
  joinGuild,
  logMailbox,
  startGochat,
  CHROMIUM_ARGS,
  type GochatProcess,
  type Mailbox,
  type TestUser,
} from '@gochat/testkit';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  channelsNav,
  formatViolations,
  launchChromium,
  openChannel,
  openUser,
  reportPagesOnFailure,
  saveScreenshot,
  seriousA11yViolations,
  signInThroughUi,
  UI_TIMEOUT,
  type UserPage,
} from './browser/harness.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const dist = builtWebClient();
const chromiumPath = headlessChromium();
// The SFU needs mediasoup's worker, which cannot be fetched or built on these machines: the media
// suite runs wherever MEDIASOUP_WORKER_BIN names one (mediasoup installed with it set).
// eslint-disable-next-line no-process-env
const mediasoupWorker = process.env.MEDIASOUP_WORKER_BIN;
if (!mediasoupWorker)
  console.info(
    '[skip] web client voice media suite: MEDIASOUP_WORKER_BIN is not set (no mediasoup worker here)',
  );

const joinButton = (page: Page, channel: string) =>
  channelsNav(page).getByRole('button', { name: `Join voice channel ${channel}`, exact: true });
/** Who is in a voice channel's call, in the channel list. */
const callList = (page: Page, channel: string) =>
  channelsNav(page).getByRole('list', { name: `In ${channel}`, exact: true });
const participant = (page: Page, channel: string, name: string) =>
  callList(page, channel).getByRole('listitem').filter({ hasText: name });
const voicePanel = (page: Page) => page.getByRole('region', { name: 'Voice connection' });
const panelStatus = (page: Page) => voicePanel(page).getByRole('status');
const panelButton = (page: Page, name: string) => voicePanel(page).getByRole('button', { name, exact: true });

/** Opens a participant's moderator menu in the channel list and picks an item. */
async function moderate(page: Page, channel: string, name: string, item: string) {
  await participant(page, channel, name)
    .getByRole('button', { name: `Voice options for ${name}` })
    .click();
  const menu = page.getByRole('menu', { name: `Voice options for ${name}` });
  await menu.getByRole('menuitem', { name: item, exact: true }).click();
  await menu.waitFor({ state: 'detached' });
}

/** Errors the page logged besides the browser's own report of the refused voice socket. */
const unexpectedErrors = (user: UserPage) =>
  user.errors.filter((error) => !/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/sfu' failed/.test(error));

/** An owner's guild with a member, two voice channels and both pages signed in on its general channel. */
async function voiceGuild(
  url: string,
  owner: TestUser,
  member: TestUser,
  name: string,
  openPage: (user: TestUser) => Promise<UserPage>,
) {
  const { createGuild } = await gqlOk(url, CreateGuildDocument, { name }, owner.jwt);
  await joinGuild(url, owner.jwt, createGuild.id, member.jwt);
  for (const channel of ['lounge', 'stage'])
    await gqlOk(
      url,
      AuthzCreateChannelDocument,
      { guildId: createGuild.id, input: { name: channel, kind: 'VOICE' } },
      owner.jwt,
    );
  const [ownerPage, memberPage] = await Promise.all([openPage(owner), openPage(member)]);
  await Promise.all([openChannel(ownerPage.page, name), openChannel(memberPage.page, name)]);
  return { guildId: createGuild.id, ownerPage, memberPage };
}

describe.skipIf(!dist || !chromiumPath)('the web client: voice channels without an SFU (embedded)', () => {
  reportPagesOnFailure();
  let gochat: GochatProcess;
  let mailbox: Mailbox;
  let browser: Browser;
  let owner: TestUser;
  let member: TestUser;
  const pages: UserPage[] = [];

  beforeAll(async () => {
    // A voice node nobody runs: joinVoice places rooms on it, the browser cannot reach it.
    const deadPort = await freePort();
    const voice = `
voice:
  defaultRegion: local
  connectGraceSeconds: 300
  nodes:
    - { id: nowhere, region: local, url: "ws://127.0.0.1:${deadPort}/sfu" }
`;
    const { dir, file } = tempConfig(RELAXED_LIMITS, UNLIMITED_WRITES, voice);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    mailbox = logMailbox(gochat);
    browser = await launchChromium(chromiumPath!);
    const users = await Promise.all(
      ['Olivia Owner', 'Milo Member'].map((displayName) =>
        createVerifiedUser(gochat.url, mailbox, { displayName }),
      ),
    );
    [owner, member] = [users[0]!, users[1]!];
  });

  afterAll(async () => {
    const errors = pages.flatMap((p) => p.errors);
    if (errors.length) console.warn(`[browser] errors the pages logged:\n  ${errors.join('\n  ')}`);
    await browser?.close();
    expect(await gochat?.stop()).toBe(0);
  });

  it('joins, mutes, is server-muted, moved and disconnected, live on both pages, with the SFU unreachable', async () => {
    const { ownerPage, memberPage } = await voiceGuild(
      gochat.url,
      owner,
      member,
      'Voice guild',
      async (user) => {
        // Bypassing the CSP lets axe-core be injected.
        const opened = await openUser(browser, gochat.url, { bypassCSP: true });
        pages.push(opened);
        await signInThroughUi(opened.page, user);
        return opened;
      },
    );
    const [o, m] = [ownerPage.page, memberPage.page];
    expect(await callList(o, 'lounge').count()).toBe(0);

    // The member joins: the API lists them at once; their page cannot reach the voice server.
    await joinButton(m, 'lounge').click();
    await participant(o, 'lounge', 'Milo Member').waitFor();
    await participant(m, 'lounge', 'Milo Member').waitFor();
    await panelStatus(m).filter({ hasText: 'Could not reach the voice server' }).waitFor();
    expect(await voicePanel(m).textContent()).toContain('lounge');
    await panelButton(m, 'Retry').waitFor();
    await saveScreenshot(m, 'web-voice-unreachable');
    const memberViolations = await seriousA11yViolations(m);
    expect(memberViolations, formatViolations(memberViolations)).toEqual([]);

    // Their own mute reaches the owner's page.
    await panelButton(m, 'Mute').click();
    await expect.poll(() => panelButton(m, 'Mute').getAttribute('aria-pressed')).toBe('true');
    await participant(o, 'lounge', 'Milo Member').getByRole('img', { name: 'Muted', exact: true }).waitFor();

    // The owner server-mutes them from the participant menu; the member's page says so.
    await participant(o, 'lounge', 'Milo Member')
      .getByRole('button', { name: 'Voice options for Milo Member' })
      .click();
    const menu = o.getByRole('menu', { name: 'Voice options for Milo Member' });
    await menu.waitFor();
    // The owner holds every moderator right: every item is offered, the move to each other channel too.
    expect(await menu.getByRole('menuitemcheckbox').allTextContents()).toEqual([
      'Server mute',
      'Server deafen',
    ]);
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Move to stage', 'Disconnect']);
    await saveScreenshot(o, 'web-voice-participant-menu');
    const ownerViolations = await seriousA11yViolations(o);
    expect(ownerViolations, formatViolations(ownerViolations)).toEqual([]);
    await menu.getByRole('menuitemcheckbox', { name: 'Server mute' }).click();
    await participant(o, 'lounge', 'Milo Member')
      .getByRole('img', { name: 'Server muted', exact: true })
      .waitFor();
    await voicePanel(m).getByText('Server muted by a moderator').waitFor();
    await participant(m, 'lounge', 'Milo Member')
      .getByRole('img', { name: 'Server muted', exact: true })
      .waitFor();
    // Members without the rights get no menu.
    expect(await m.getByRole('button', { name: /^Voice options for/ }).count()).toBe(0);

    // Moved to the stage: the member's page follows (joins it through the API), the lists follow.
    await moderate(o, 'lounge', 'Milo Member', 'Move to stage');
    await participant(o, 'stage', 'Milo Member').waitFor();
    await callList(o, 'lounge').waitFor({ state: 'detached' });
    await participant(m, 'stage', 'Milo Member').waitFor();
    await expect.poll(() => voicePanel(m).textContent(), { timeout: UI_TIMEOUT }).toContain('stage');
    await panelStatus(m).filter({ hasText: 'Could not reach the voice server' }).waitFor();
    // A server mute stays across calls.
    await participant(o, 'stage', 'Milo Member')
      .getByRole('img', { name: 'Server muted', exact: true })
      .waitFor();

    // Disconnected by the owner: gone from both lists, and the member's panel says why.
    await moderate(o, 'stage', 'Milo Member', 'Disconnect');
    await callList(o, 'stage').waitFor({ state: 'detached' });
    await callList(m, 'stage').waitFor({ state: 'detached' });
    await panelStatus(m).filter({ hasText: 'Disconnected: A moderator disconnected you.' }).waitFor();
    expect(await panelButton(m, 'Mute').count()).toBe(0);
    await saveScreenshot(m, 'web-voice-disconnected');
    await panelButton(m, 'Dismiss').click();
    await voicePanel(m).waitFor({ state: 'detached' });

    // Joining again and leaving through the panel: the owner sees both.
    await joinButton(m, 'lounge').click();
    await participant(o, 'lounge', 'Milo Member').waitFor();
    await panelButton(m, 'Disconnect').click();
    await voicePanel(m).waitFor({ state: 'detached' });
    await callList(o, 'lounge').waitFor({ state: 'detached' });

    for (const user of [ownerPage, memberPage]) {
      expect(user.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
      expect(unexpectedErrors(user)).toEqual([]);
    }
  }, 180_000);
});

describe.skipIf(!dist || !chromiumPath || !mediasoupWorker)(
  'the web client: a voice call through the embedded SFU (mediasoup)',
  () => {
    reportPagesOnFailure();
    let gochat: GochatProcess;
    let mailbox: Mailbox;
    let browser: Browser;
    let alice: TestUser;
    let bob: TestUser;
    const pages: UserPage[] = [];

    beforeAll(async () => {
      // No voice.nodes: the embedded process runs the SFU itself, at ws://<host>:<port>/sfu.
      const sfu = `
voice:
  connectGraceSeconds: 60
sfu:
  listenIp: 127.0.0.1
  rtcPort: ${await freePort()}
`;
      const { dir, file } = tempConfig(RELAXED_LIMITS, UNLIMITED_WRITES, sfu);
      gochat = await startGochat({
        env: {
          DATA_DIR: dir,
          PORT: String(await freePort()),
          GOCHAT_CONFIG: file,
          MEDIASOUP_WORKER_BIN: mediasoupWorker!,
          ...SECRETS,
        },
      });
      mailbox = logMailbox(gochat);
      // Chromium's fake microphone (a beep) and no permission prompt; audio may play without a click.
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
      const users = await Promise.all(
        ['Alice Voice', 'Bob Voice'].map((displayName) =>
          createVerifiedUser(gochat.url, mailbox, { displayName }),
        ),
      );
      [alice, bob] = [users[0]!, users[1]!];
    });

    afterAll(async () => {
      const errors = pages.flatMap((p) => p.errors);
      if (errors.length) console.warn(`[browser] errors the pages logged:\n  ${errors.join('\n  ')}`);
      await browser?.close();
      expect(await gochat?.stop()).toBe(0);
    });

    it('connects both pages and each sees the other speaking', async () => {
      const { ownerPage, memberPage } = await voiceGuild(
        gochat.url,
        alice,
        bob,
        'Media guild',
        async (user) => {
          const opened = await openUser(browser, gochat.url);
          await opened.context.grantPermissions(['microphone']);
          pages.push(opened);
          await signInThroughUi(opened.page, user);
          return opened;
        },
      );
      const [a, b] = [ownerPage.page, memberPage.page];
      await joinButton(a, 'lounge').click();
      await panelStatus(a).filter({ hasText: 'Voice connected' }).waitFor();
      await joinButton(b, 'lounge').click();
      await panelStatus(b).filter({ hasText: 'Voice connected' }).waitFor();
      for (const [page, other] of [
        [a, 'Bob Voice'],
        [b, 'Alice Voice'],
      ] as const)
        await participant(page, 'lounge', other)
          .getByRole('img', { name: 'Speaking', exact: true })
          .waitFor();
      await saveScreenshot(a, 'web-voice-speaking');

      // Bob mutes: Alice sees the icon; Bob leaves: both lists let him go.
      await panelButton(b, 'Mute').click();
      await participant(a, 'lounge', 'Bob Voice').getByRole('img', { name: 'Muted', exact: true }).waitFor();
      await panelButton(b, 'Disconnect').click();
      await participant(a, 'lounge', 'Bob Voice').waitFor({ state: 'detached' });
      await panelButton(a, 'Disconnect').click();
      await callList(a, 'lounge').waitFor({ state: 'detached' });
      for (const user of [ownerPage, memberPage])
        expect(user.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    }, 180_000);
  },
);
