/**
 * Link previews in embedded mode (issue 16): `gochat start` runs worker:embedder in-process; a
 * loopback web site (e2e/embeds/page-server.ts) serves the pages, allowed by `embeds.allowAddresses`
 * and `embeds.ports` in this test's configuration only. Everything goes through the router as a
 * client would: messages are sent and read over GraphQL, previews arrive on another member's viewer
 * feed, and the pictures are fetched from GoChat's own /media URLs. A second process with the default
 * address rules shows the SSRF guard refusing (and logging) links into the private network.
 */
import { PERMISSIONS } from '@gochat/permissions';
import { MessagesDocument, SendMessageDocument, SuppressEmbedsDocument } from '@gochat/react';
import {
  CreateChannelDocument,
  CreateGuildDocument,
  SetChannelOverwriteDocument,
  ViewerFeedDocument,
  createVerifiedUser,
  freePort,
  gql,
  gqlOk,
  joinGuild,
  logMailbox,
  startGochat,
  wsConnect,
  type GochatProcess,
  type TestUser,
  type WsConnection,
} from '@gochat/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  chat,
  embedsUpdate,
  embedsUpdates,
  isOwnCopy,
  refusalLogged,
  resolved,
  unfurlRecords,
  until,
  WAIT_MS,
  type Chat,
  type EventEmbed,
} from './embeds/flow.ts';
import {
  pageDescription,
  pageTitle,
  startPageServer,
  YOUTUBE_OEMBED_PATH,
  type PageServer,
} from './embeds/page-server.ts';
import { feedOf, type Feed } from './realtime-flow.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const YOUTUBE_LINK = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';
/** How long a fetch of the page that never finishes lasts (embeds.fetchTimeoutMs). */
const FETCH_TIMEOUT_MS = 20_000;

describe('link previews, embedded (a loopback page server allowed by the test configuration)', () => {
  let pages: PageServer;
  let gochat: GochatProcess;
  let api: Chat;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let guildId: string;
  let channelId: string;
  let ws: WsConnection;
  /** Bob's viewer feed: a member who did not send the messages. */
  let feed: Feed;

  const pageLink = (name: string) => pages.url(`/page/${name}`);
  const titles = (embeds: Array<{ title?: string | null }>) => embeds.map((e) => e.title);

  beforeAll(async () => {
    pages = await startPageServer();
    const { dir, file } = tempConfig(
      RELAXED_LIMITS + UNLIMITED_SENDS,
      UNLIMITED_WRITES,
      [
        'embeds:',
        "  allowAddresses: ['127.0.0.1/32']",
        `  ports: [${pages.port}]`,
        `  fetchTimeoutMs: ${FETCH_TIMEOUT_MS}`,
        `  youtubeOembedEndpoint: '${pages.url(YOUTUBE_OEMBED_PATH)}'`,
        '',
      ].join('\n'),
    );
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    api = chat(gochat.url);
    const mailbox = logMailbox(gochat);
    const users = await Promise.all(
      ['Alice', 'Bob', 'Carol'].map((displayName) =>
        createVerifiedUser(gochat.url, mailbox, { displayName }),
      ),
    );
    [alice, bob, carol] = [users[0]!, users[1]!, users[2]!];
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: 'Links' }, alice.jwt);
    guildId = createGuild.id;
    channelId = createGuild.systemChannel!.id;
    await joinGuild(gochat.url, alice.jwt, guildId, bob.jwt);
    await joinGuild(gochat.url, alice.jwt, guildId, carol.jwt);
    ws = wsConnect(gochat.url, bob.jwt);
    feed = feedOf(ws, ViewerFeedDocument, {});
    // Every feed starts with Subscribed: it is live from then on.
    await until('the feed to go live', () =>
      feed.payloads.some((p) => p.viewerFeed?.type === 'Subscribed') ? true : undefined,
    );
  });

  afterAll(async () => {
    await ws?.dispose();
    expect(await gochat?.stop('SIGTERM')).toBe(0);
    await pages?.close();
  });

  it('previews an OpenGraph article: live on a member feed, then in history, its picture copied to /media', async () => {
    const link = pages.url('/article');
    const sent = await api.send(alice, channelId, `Read this: ${link} (worth it)`);
    // The preview is made in the background: not in the answer to the send.
    expect(sent.embeds).toEqual([]);

    const update = await embedsUpdate(feed, sent.id);
    expect(update.data).toMatchObject({
      messageId: sent.id,
      channelId,
      guildId,
      editedAt: null,
      suppressed: false,
    });
    const [live] = update.data.embeds as EventEmbed[];
    expect(live).toMatchObject({ type: 'article', url: link, title: 'Loopback article' });

    // History, read by another member.
    const { messages } = await gqlOk(gochat.url, MessagesDocument, { channelId, limit: 5 }, carol.jwt);
    const stored = messages.find((m) => m.id === sent.id)!;
    expect(stored.embeds).toHaveLength(1);
    const [embed] = stored.embeds;
    expect(embed).toMatchObject({
      type: 'ARTICLE',
      url: link,
      title: 'Loopback article',
      description: 'What the article is about, from og:description.',
      color: 0x123456,
      provider: { name: 'Loopback Times' },
      image: null,
    });
    // og:image without summary_large_image is the small picture; GoChat's copy, never the page's.
    const picture = embed!.thumbnail!;
    expect(isOwnCopy(gochat.url, picture.url), picture.url).toBe(true);
    expect(picture.url).not.toContain(pages.origin);
    expect(picture.url).not.toContain(`:${pages.port}`);
    expect(picture).toMatchObject({ width: 320, height: 200, contentType: 'image/webp' });
    expect(live!.thumbnail?.url).toBe(picture.url);

    const response = await fetch(resolved(gochat.url, picture.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    const decoded = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['webp', 320, 200]);
    // Fetched once by the worker; readers never contact the page server.
    expect(pages.hits('/article')).toBe(1);
    expect(pages.hits('/pictures/article.png')).toBe(1);
  });

  it('previews a Twitter card, an oEmbed discovery page, YouTube, a direct image and a redirect chain', async () => {
    const links = {
      twitter: pages.url('/twitter'),
      discovery: pages.url('/discovery'),
      direct: pages.url('/direct/direct.png'),
      redirects: pages.url('/hop/1'),
    };
    const sent = await api.send(
      bob,
      channelId,
      `five: ${links.twitter} ${links.discovery} ${YOUTUBE_LINK} ${links.direct} ${links.redirects}`,
    );
    const embeds = await api.embedsOf(carol, channelId, sent.id, (e) => e.length === 5);
    const [twitter, discovery, youtube, direct, redirects] = embeds;

    // summary_large_image: the picture is the large image.
    expect(twitter).toMatchObject({
      type: 'LINK',
      url: links.twitter,
      title: 'A Twitter card',
      description: 'Described by twitter:description.',
      thumbnail: null,
      image: { width: 600, height: 300, contentType: 'image/webp' },
    });
    expect(isOwnCopy(gochat.url, twitter!.image!.url), twitter!.image!.url).toBe(true);

    // The discovery link's oEmbed document gives the title, author and provider.
    expect(discovery).toMatchObject({
      type: 'LINK',
      url: links.discovery,
      title: 'Title from the oEmbed document',
      author: { name: 'Oembed Author', url: 'https://author.example/' },
      provider: { name: 'Discovered Provider', url: 'https://provider.example/' },
    });
    expect(pages.hits('/discovery/oembed.json')).toBe(1);

    // YouTube: its oEmbed endpoint (here, the page server) answers; the player is YouTube's embed URL.
    expect(youtube).toMatchObject({
      type: 'VIDEO',
      url: YOUTUBE_LINK,
      title: 'Never Gonna Give You Up (loopback)',
      author: { name: 'Rick Astley' },
      provider: { name: 'YouTube', url: 'https://www.youtube.com/' },
      video: { url: 'https://www.youtube.com/embed/dQw4w9WgXcQ' },
      thumbnail: { width: 480, height: 360, contentType: 'image/webp' },
    });
    expect(youtube!.color).toEqual(expect.any(Number));
    expect(isOwnCopy(gochat.url, youtube!.thumbnail!.url), youtube!.thumbnail!.url).toBe(true);
    expect(pages.hits(YOUTUBE_OEMBED_PATH)).toBe(1);
    // The watch page itself was never fetched: a fetch of it (off the allowed port, and offline here)
    // would have been refused or failed, and logged against the link.
    expect(unfurlRecords(gochat, YOUTUBE_LINK)).toEqual([]);

    // A direct image: an IMAGE embed with its dimensions; its bytes are fetched once, not twice.
    expect(direct).toMatchObject({
      type: 'IMAGE',
      url: links.direct,
      image: { width: 640, height: 480, contentType: 'image/webp' },
    });
    expect(isOwnCopy(gochat.url, direct!.image!.url), direct!.image!.url).toBe(true);
    expect(pages.hits('/direct/direct.png')).toBe(1);
    const copy = await fetch(resolved(gochat.url, direct!.image!.url));
    expect([copy.status, copy.headers.get('content-type')]).toEqual([200, 'image/webp']);

    // Three redirects: the preview is the final page's, under the link as posted.
    expect(redirects).toMatchObject({
      type: 'ARTICLE',
      url: links.redirects,
      title: 'End of the redirects',
      description: 'Reached after three redirects.',
    });
    expect(['/hop/1', '/hop/2', '/hop/3', '/hop/target'].map((p) => pages.hits(p))).toEqual([1, 1, 1, 1]);

    // The feed got the same five.
    const update = await embedsUpdate(feed, sent.id);
    expect((update.data.embeds as EventEmbed[]).map((e) => e.type)).toEqual([
      'link',
      'link',
      'video',
      'image',
      'article',
    ]);
  });

  it('re-unfurls on edit: removed links lose their preview at once, new ones arrive; no links, no previews', async () => {
    const sent = await api.send(alice, channelId, `two: ${pageLink('edit-a')} and ${pageLink('edit-b')}`);
    await api.embedsOf(bob, channelId, sent.id, (e) => e.length === 2);
    expect(titles((await api.read(bob, channelId, sent.id)).embeds)).toEqual([
      pageTitle('edit-a'),
      pageTitle('edit-b'),
    ]);

    const edited = await api.edit(
      alice,
      channelId,
      sent.id,
      `now: ${pageLink('edit-b')} and ${pageLink('edit-c')}`,
    );
    // The old content's previews stop showing with the edit itself.
    expect(edited.embeds).toEqual([]);
    const right = await api.read(bob, channelId, sent.id);
    expect(titles(right.embeds)).not.toContain(pageTitle('edit-a'));

    const after = await api.embedsOf(bob, channelId, sent.id, (e) => e.length === 2);
    expect(titles(after)).toEqual([pageTitle('edit-b'), pageTitle('edit-c')]);
    expect(after[1]).toMatchObject({ type: 'ARTICLE', description: pageDescription('edit-c') });
    // The live update names the edited version.
    const updates = await until('the update of the edited version', () =>
      embedsUpdates(feed, sent.id).find((e) => e.data.editedAt === edited.editedAt),
    );
    expect(titles(updates.data.embeds as EventEmbed[])).toEqual([pageTitle('edit-b'), pageTitle('edit-c')]);
    // edit-b came from the cache.
    expect(pages.hits('/page/edit-b')).toBe(1);

    const cleared = await api.edit(alice, channelId, sent.id, 'no links any more');
    expect(cleared.embeds).toEqual([]);
    // Barrier: a later message's preview arrives, so the worker has handled the edit by then.
    const later = await api.send(alice, channelId, `later ${pageLink('edit-barrier')}`);
    await api.embedsOf(bob, channelId, later.id, (e) => e.length === 1);
    expect((await api.read(bob, channelId, sent.id)).embeds).toEqual([]);
  });

  it('suppressEmbeds hides link previews (rich embeds stay), live; showing them again brings them back', async () => {
    const sent = await api.send(alice, channelId, `with a card ${pageLink('suppress')}`, [
      { title: 'Rich one', description: 'sent with the message' },
    ]);
    expect(sent.embeds.map((e) => e.type)).toEqual(['RICH']);
    await api.embedsOf(bob, channelId, sent.id, (e) => e.length === 2);
    await embedsUpdate(feed, sent.id, 1);

    // Bob is neither the author nor a MANAGE_MESSAGES holder.
    const refused = await gql(
      gochat.url,
      SuppressEmbedsDocument,
      { channelId, messageId: sent.id, suppressed: true },
      bob.jwt,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const { suppressEmbeds: hidden } = await gqlOk(
      gochat.url,
      SuppressEmbedsDocument,
      { channelId, messageId: sent.id, suppressed: true },
      alice.jwt,
    );
    expect(hidden.embedsSuppressed).toBe(true);
    expect(hidden.embeds.map((e) => e.type)).toEqual(['RICH']);
    const off = await embedsUpdate(feed, sent.id, 2);
    expect(off.data.suppressed).toBe(true);
    expect((off.data.embeds as EventEmbed[]).map((e) => [e.type, e.title])).toEqual([['rich', 'Rich one']]);
    const seen = await api.read(bob, channelId, sent.id);
    expect([seen.embedsSuppressed, seen.embeds.map((e) => e.type)]).toEqual([true, ['RICH']]);

    const { suppressEmbeds: shown } = await gqlOk(
      gochat.url,
      SuppressEmbedsDocument,
      { channelId, messageId: sent.id, suppressed: false },
      alice.jwt,
    );
    expect([shown.embedsSuppressed, shown.embeds.map((e) => e.type)]).toEqual([false, ['RICH', 'ARTICLE']]);
    const on = await embedsUpdate(feed, sent.id, 3);
    expect(on.data.suppressed).toBe(false);
    expect(titles(on.data.embeds as EventEmbed[])).toEqual(['Rich one', pageTitle('suppress')]);
    // Nothing was fetched again: the stored preview was only hidden.
    expect(pages.hits('/page/suppress')).toBe(1);
  });

  it('caches a link: two users posting it cost the page server one fetch', async () => {
    const link = pageLink('cached');
    const first = await api.send(alice, channelId, `first ${link}`);
    await api.embedsOf(carol, channelId, first.id, (e) => e.length === 1);
    const second = await api.send(carol, channelId, `second ${link}`);
    const [embed] = await api.embedsOf(alice, channelId, second.id, (e) => e.length === 1);
    expect(embed).toMatchObject({ type: 'ARTICLE', title: pageTitle('cached'), url: link });
    expect(pages.hits('/page/cached')).toBe(1);
  });

  it('does not preview links of a member without EMBED_LINKS (a channel overwrite)', async () => {
    const { createChannel } = await gqlOk(
      gochat.url,
      CreateChannelDocument,
      { guildId, name: 'no-previews' },
      alice.jwt,
    );
    const room = createChannel.id;
    await gqlOk(
      gochat.url,
      SetChannelOverwriteDocument,
      {
        channelId: room,
        input: {
          targetType: 'MEMBER',
          targetId: carol.id,
          allow: '0',
          deny: PERMISSIONS.EMBED_LINKS.toString(),
        },
      },
      alice.jwt,
    );
    const plain = await api.send(carol, room, `no preview for ${pageLink('no-embed-links')}`);
    // Rich embeds need EMBED_LINKS too.
    const rich = await gql(
      gochat.url,
      SendMessageDocument,
      { channelId: room, content: 'card', embeds: [{ title: 'Not allowed' }] },
      carol.jwt,
    );
    expect(rich.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Barrier: Alice's later message in the same channel gets its preview.
    const later = await api.send(alice, room, `allowed ${pageLink('embed-links-barrier')}`);
    await api.embedsOf(bob, room, later.id, (e) => e.length === 1);
    expect((await api.read(bob, room, plain.id)).embeds).toEqual([]);
    expect(embedsUpdates(feed, plain.id)).toEqual([]);
    expect(pages.hits('/page/no-embed-links')).toBe(0);
  });

  it('a page that never finishes does not hold up other previews', async () => {
    const slow = await api.send(alice, channelId, `slow ${pages.url('/slow/one')}`);
    // The worker is fetching it.
    await until('the slow page to be requested', () => (pages.openSlow() === 1 ? true : undefined));
    const fast = await api.send(bob, channelId, `fast ${pageLink('fast')}`);
    const sentAt = Date.now();
    const [embed] = await api.embedsOf(carol, channelId, fast.id, (e) => e.length === 1, FETCH_TIMEOUT_MS);
    const tookMs = Date.now() - sentAt;
    expect(embed!.title).toBe(pageTitle('fast'));
    // While the slow page is still being waited for.
    expect(pages.openSlow(), `the fast preview took ${tookMs} ms`).toBe(1);
    expect((await api.read(carol, channelId, slow.id)).embeds).toEqual([]);
    expect(tookMs).toBeLessThan(FETCH_TIMEOUT_MS / 2);

    // The slow fetch ends at its timeout, logged, with no preview and no failure of the message.
    const slowLink = pages.url('/slow/one');
    const timedOut = await until(
      'the slow fetch to time out',
      () => unfurlRecords(gochat, slowLink).find((r) => r.code === 'TIMEOUT'),
      FETCH_TIMEOUT_MS + WAIT_MS,
    );
    expect(timedOut.msg).toMatch(/^unfurl: fetch failed/);
    expect((await api.read(carol, channelId, slow.id)).embeds).toEqual([]);
  });
});

describe('link previews, embedded, default address rules: the SSRF guard refuses private addresses', () => {
  let pages: PageServer;
  let gochat: GochatProcess;
  let api: Chat;
  let alice: TestUser;
  let channelId: string;

  beforeAll(async () => {
    pages = await startPageServer();
    // The page server's port is allowed, so its refusal is the address, not the port.
    const { dir, file } = tempConfig(
      RELAXED_LIMITS + UNLIMITED_SENDS,
      UNLIMITED_WRITES,
      `embeds:\n  ports: [80, 443, ${pages.port}]\n`,
    );
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    api = chat(gochat.url);
    alice = await createVerifiedUser(gochat.url, logMailbox(gochat), { displayName: 'Alice' });
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: 'SSRF' }, alice.jwt);
    channelId = createGuild.systemChannel!.id;
  });

  afterAll(async () => {
    expect(await gochat?.stop('SIGTERM')).toBe(0);
    await pages?.close();
  });

  it('refuses and logs loopback, private, link-local, mapped, decimal, octal and named addresses', async () => {
    // As posted → as the unfurler names it (normalised).
    const links: Array<[posted: string, normalised: string]> = [
      ['http://127.0.0.1/ssrf-a', 'http://127.0.0.1/ssrf-a'],
      ['http://[::1]/ssrf-b', 'http://[::1]/ssrf-b'],
      ['http://10.0.0.1/', 'http://10.0.0.1/'],
      ['http://172.16.0.1/', 'http://172.16.0.1/'],
      ['http://192.168.1.1/', 'http://192.168.1.1/'],
      ['http://169.254.169.254/latest/meta-data', 'http://169.254.169.254/latest/meta-data'],
      ['http://[::ffff:127.0.0.1]/ssrf-c', 'http://[::ffff:7f00:1]/ssrf-c'],
      ['http://2130706433/ssrf-d', 'http://127.0.0.1/ssrf-d'],
      ['http://0177.0.0.1/ssrf-e', 'http://127.0.0.1/ssrf-e'],
      ['http://localhost/ssrf-f', 'http://localhost/ssrf-f'],
      [pages.url('/page/ssrf'), pages.url('/page/ssrf')],
      [pages.url('/to-loopback'), pages.url('/to-loopback')],
    ];
    const sent = [];
    for (let i = 0; i < links.length; i += 5)
      sent.push(
        await api.send(
          alice,
          channelId,
          `links: ${links
            .slice(i, i + 5)
            .map(([posted]) => posted)
            .join(' ')}`,
        ),
      );

    const refusals = [];
    for (const [, normalised] of links) refusals.push(await refusalLogged(gochat, normalised));
    for (const [index, record] of refusals.entries()) {
      expect(record.level, links[index]![0]).toBe(40);
      expect(record.stage, links[index]![0]).toBe('page');
      // Refused for the address (the page server's port is allowed here): no BAD_PORT, no connection.
      expect(record.code, links[index]![0]).toBe('BLOCKED_ADDRESS');
    }

    for (const message of sent) expect((await api.read(alice, channelId, message.id)).embeds).toEqual([]);
    expect(pages.total()).toBe(0);
  });
});
