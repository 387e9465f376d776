import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isDomainError } from '@gochat/errors';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sniff } from './sniff.ts';
import { storedZip, wav } from './test-fixtures.ts';

let dir: string;
const files: Record<string, string> = {};

async function fixture(name: string, bytes: Buffer | string) {
  files[name] = join(dir, name);
  await writeFile(files[name], bytes);
}

const PDF =
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n';
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gochat-sniff-'));
  const red = { width: 16, height: 12, channels: 3 as const, background: '#c00' };
  await fixture('png', await sharp({ create: red }).png().toBuffer());
  await fixture('jpeg', await sharp({ create: red }).jpeg().toBuffer());
  const frames = await Promise.all(
    ['#f00', '#0f0'].map((background) =>
      sharp({ create: { width: 8, height: 8, channels: 3, background } })
        .png()
        .toBuffer(),
    ),
  );
  await fixture(
    'gif',
    await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer(),
  );
  await fixture('wav', wav());
  await fixture('pdf', PDF);
  await fixture('zip', storedZip([{ name: 'hello.txt', data: Buffer.from('hello\n') }]));
  // The signature of an OLE compound file (.doc, .xls, .msi).
  await fixture('cfb', Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]));
  await fixture('html', '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n');
  await fixture('text', 'Hello, wörld! ✓\n');
  await fixture('csv', 'name,score\nÅsa,3\n');
  await fixture('markdown', '# Title\n\n*emphasis*\n');
  await fixture('typescript', 'export const answer: number = 42;\n');
  await fixture('latin1', Buffer.from('caf\xe9\n', 'latin1'));
  await fixture('nul', Buffer.from('text\u0000more\n', 'utf8'));
  // "é" (2 bytes) straddles the 64 KiB mark: the cut sequence is not an error.
  await fixture('long-text', Buffer.concat([Buffer.alloc(65535, 'a'), Buffer.from('é and more\n')]));
  await fixture('svg', SVG);
  await fixture('svg-with-declaration', `<?xml version="1.0" encoding="UTF-8"?>\n${SVG}`);
  await fixture('binary', Buffer.from([0x01, 0x02, 0x03, 0x04, 0xfe, 0xff, 0x00, 0x10, 0x20, 0x30]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(file: string, contentType: string, filename: string) {
  try {
    await sniff(file, { contentType, filename });
  } catch (error) {
    if (isDomainError(error))
      return { code: error.code, field: error.extensions.field, message: error.message };
    throw error;
  }
  return null;
}

const f = (name: string) => files[name]!;

describe('sniff, when the bytes have a recognisable type', () => {
  it('serves an image as what its bytes are, inline', async () => {
    await expect(sniff(f('png'), { contentType: 'image/png', filename: 'red.png' })).resolves.toEqual({
      contentType: 'image/png',
      kind: 'image',
      disposition: 'inline',
    });
    await expect(sniff(f('gif'), { contentType: 'image/gif', filename: 'anim.gif' })).resolves.toMatchObject({
      contentType: 'image/gif',
      kind: 'image',
    });
  });

  it('accepts aliases, parameters, capitals and "do not know" as the declared type', async () => {
    for (const contentType of [
      'image/jpg',
      'image/pjpeg',
      'IMAGE/JPEG; charset=binary',
      'application/octet-stream',
      '',
    ]) {
      await expect(sniff(f('jpeg'), { contentType, filename: 'photo.JPG' })).resolves.toEqual({
        contentType: 'image/jpeg',
        kind: 'image',
        disposition: 'inline',
      });
    }
    await expect(
      sniff(f('jpeg'), { contentType: 'image/jpeg', filename: 'photo.jfif' }),
    ).resolves.toMatchObject({
      contentType: 'image/jpeg',
    });
    await expect(sniff(f('wav'), { contentType: 'audio/x-wav', filename: 'tone.wav' })).resolves.toEqual({
      contentType: 'audio/wav',
      kind: 'audio',
      disposition: 'inline',
    });
  });

  it('accepts a file name without an extension', async () => {
    await expect(
      sniff(f('png'), { contentType: 'image/png', filename: 'screenshot' }),
    ).resolves.toMatchObject({
      contentType: 'image/png',
    });
  });

  it('refuses a declared type the bytes contradict', async () => {
    expect(await refusal(f('png'), 'image/jpeg', 'red.jpg')).toEqual({
      code: 'VALIDATION',
      field: 'contentType',
      message: "The file's bytes are image/png, not image/jpeg.",
    });
    expect(await refusal(f('pdf'), 'text/plain', 'notes.txt')).toMatchObject({ field: 'contentType' });
    expect(await refusal(f('zip'), 'image/png', 'a.png')).toMatchObject({ field: 'contentType' });
  });

  it('refuses an extension that is not one of the type’s: a PNG named .exe', async () => {
    expect(await refusal(f('png'), 'image/png', 'x.exe')).toMatchObject({
      code: 'VALIDATION',
      field: 'filename',
    });
    expect(await refusal(f('png'), 'application/octet-stream', 'x.exe')).toMatchObject({ field: 'filename' });
    expect(await refusal(f('jpeg'), 'image/jpeg', 'photo.html')).toMatchObject({ field: 'filename' });
    expect(await refusal(f('pdf'), 'application/pdf', 'report.pdf.exe')).toMatchObject({ field: 'filename' });
  });

  it('serves a PDF inline as a document of kind other', async () => {
    await expect(
      sniff(f('pdf'), { contentType: 'application/pdf', filename: 'report.pdf' }),
    ).resolves.toEqual({
      contentType: 'application/pdf',
      kind: 'other',
      disposition: 'inline',
    });
  });

  it('accepts application types stored in a generic container (a .doc is an OLE file, a .docx a ZIP)', async () => {
    await expect(
      sniff(f('cfb'), { contentType: 'application/msword', filename: 'letter.doc' }),
    ).resolves.toEqual({
      contentType: 'application/x-cfb',
      kind: 'other',
      disposition: 'attachment',
    });
    await expect(
      sniff(f('zip'), { contentType: 'application/x-zip-compressed', filename: 'photos.zip' }),
    ).resolves.toEqual({ contentType: 'application/zip', kind: 'other', disposition: 'attachment' });
    await expect(
      sniff(f('zip'), { contentType: 'application/octet-stream', filename: 'app.ipa' }),
    ).resolves.toMatchObject({ contentType: 'application/zip' });
    // …but not a type that has a signature of its own, nor a program's extension.
    expect(await refusal(f('zip'), 'application/pdf', 'a.pdf')).toMatchObject({ field: 'contentType' });
    expect(await refusal(f('zip'), 'application/zip', 'setup.exe')).toMatchObject({ field: 'filename' });
    expect(await refusal(f('cfb'), 'application/octet-stream', 'page.html')).toMatchObject({
      field: 'filename',
    });
  });

  it('treats an SVG with an XML declaration as a document for download, never an image', async () => {
    await expect(
      sniff(f('svg-with-declaration'), { contentType: 'image/svg+xml', filename: 'logo.svg' }),
    ).resolves.toEqual({ contentType: 'image/svg+xml', kind: 'other', disposition: 'attachment' });
    await expect(
      sniff(f('svg-with-declaration'), { contentType: 'text/xml', filename: 'logo.xml' }),
    ).resolves.toEqual({ contentType: 'application/xml', kind: 'other', disposition: 'attachment' });
  });
});

describe('sniff, when the bytes have no recognisable type', () => {
  it('refuses a declared image, audio or video type: an HTML file declared image/png', async () => {
    expect(await refusal(f('html'), 'image/png', 'cat.png')).toEqual({
      code: 'VALIDATION',
      field: 'contentType',
      message: "The file's bytes are not image/png.",
    });
    expect(await refusal(f('text'), 'video/mp4', 'clip.mp4')).toMatchObject({ field: 'contentType' });
    expect(await refusal(f('binary'), 'audio/mpeg', 'song.mp3')).toMatchObject({ field: 'contentType' });
    expect(await refusal(f('svg'), 'image/png', 'logo.png')).toMatchObject({ field: 'contentType' });
  });

  it('serves UTF-8 text as text/plain, inline', async () => {
    await expect(sniff(f('text'), { contentType: 'text/plain', filename: 'notes.txt' })).resolves.toEqual({
      contentType: 'text/plain; charset=utf-8',
      kind: 'other',
      disposition: 'inline',
    });
    await expect(
      sniff(f('long-text'), { contentType: 'text/plain; charset=utf-8', filename: 'long.log' }),
    ).resolves.toMatchObject({ contentType: 'text/plain; charset=utf-8' });
  });

  it('keeps CSV and Markdown as such, for download', async () => {
    await expect(sniff(f('csv'), { contentType: 'text/csv', filename: 'scores.csv' })).resolves.toEqual({
      contentType: 'text/csv; charset=utf-8',
      kind: 'other',
      disposition: 'attachment',
    });
    await expect(
      sniff(f('markdown'), { contentType: 'text/markdown', filename: 'README.md' }),
    ).resolves.toEqual({
      contentType: 'text/markdown; charset=utf-8',
      kind: 'other',
      disposition: 'attachment',
    });
  });

  it('serves HTML and JavaScript as plain text, and for download', async () => {
    await expect(sniff(f('html'), { contentType: 'text/html', filename: 'page.html' })).resolves.toEqual({
      contentType: 'text/plain; charset=utf-8',
      kind: 'other',
      disposition: 'attachment',
    });
    await expect(sniff(f('html'), { contentType: 'text/plain', filename: 'page.htm' })).resolves.toEqual({
      contentType: 'text/plain; charset=utf-8',
      kind: 'other',
      disposition: 'attachment',
    });
    await expect(
      sniff(f('typescript'), { contentType: 'text/javascript', filename: 'a.js' }),
    ).resolves.toEqual({
      contentType: 'text/plain; charset=utf-8',
      kind: 'other',
      disposition: 'attachment',
    });
    await expect(
      sniff(f('typescript'), { contentType: 'application/javascript', filename: 'a.js' }),
    ).resolves.toEqual({ contentType: 'application/octet-stream', kind: 'other', disposition: 'attachment' });
  });

  it('refuses text that is not UTF-8, or holds NUL', async () => {
    expect(await refusal(f('latin1'), 'text/plain', 'menu.txt')).toMatchObject({ field: 'contentType' });
    expect(await refusal(f('nul'), 'text/plain', 'dump.txt')).toMatchObject({ field: 'contentType' });
  });

  it('serves SVG as image/svg+xml of kind other, for download', async () => {
    await expect(sniff(f('svg'), { contentType: 'image/svg+xml', filename: 'logo.svg' })).resolves.toEqual({
      contentType: 'image/svg+xml',
      kind: 'other',
      disposition: 'attachment',
    });
  });

  it('serves anything else as application/octet-stream, for download', async () => {
    for (const contentType of ['application/x-custom', 'application/octet-stream', 'application/json', '']) {
      await expect(sniff(f('binary'), { contentType, filename: 'data.bin' })).resolves.toEqual({
        contentType: 'application/octet-stream',
        kind: 'other',
        disposition: 'attachment',
      });
    }
    // A TypeScript source arrives as video/mp2t (the OS's type for .ts): that is not a lie about a video.
    await expect(
      sniff(f('typescript'), { contentType: 'video/mp2t', filename: 'index.ts' }),
    ).resolves.toEqual({
      contentType: 'application/octet-stream',
      kind: 'other',
      disposition: 'attachment',
    });
  });
});
