/**
 * The bundle half of bench:web: which JavaScript the built web client (clients/web/dist) loads before
 * it can render anything (the entry index.html loads and its static imports, from Vite's manifest, or
 * the <script> tags of index.html without one), their raw and gzipped sizes, and which packages the
 * bytes come from, attributed through the build's source maps.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export interface BundleFile {
  file: string;
  bytes: number;
  gzipBytes: number;
}

export interface PackageShare {
  group: string;
  /** Minified bytes the source map attributes to the group. */
  bytes: number;
  /** gzip of the group's code alone (compression across groups is lost, so the groups sum to more). */
  gzipBytes: number;
}

export interface BundleReport {
  how: 'manifest' | 'index.html';
  scripts: BundleFile[];
  css: BundleFile[];
  jsBytes: number;
  jsGzipBytes: number;
  /** null when the build has no source maps. */
  shares: PackageShare[] | null;
  /** Bytes of the initial JS that no source map segment covers (wrappers, the bundler's runtime). */
  unmappedBytes: number;
}

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

const gzip = (data: Buffer | string) => zlib.gzipSync(data, { level: 9 }).length;

function sizes(dist: string, file: string): BundleFile {
  const data = fs.readFileSync(path.join(dist, file));
  return { file, bytes: data.length, gzipBytes: gzip(data) };
}

/** The files index.html loads up front: the entry chunk and, transitively, its static imports. */
function initialFiles(dist: string): { how: BundleReport['how']; js: string[]; css: string[] } {
  const manifestFile = path.join(dist, '.vite/manifest.json');
  if (fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, ManifestChunk>;
    const js = new Set<string>();
    const css = new Set<string>();
    const visit = (key: string) => {
      const chunk = manifest[key];
      if (!chunk || js.has(chunk.file)) return;
      js.add(chunk.file);
      for (const file of chunk.css ?? []) css.add(file);
      for (const imported of chunk.imports ?? []) visit(imported);
    };
    visit(manifest['index.html'] ? 'index.html' : Object.keys(manifest).find((k) => manifest[k]!.isEntry)!);
    return { how: 'manifest', js: [...js], css: [...css] };
  }
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const local = (url: string) => url.replace(/^\//, '');
  return {
    how: 'index.html',
    js: [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => local(m[1]!)),
    css: [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => local(m[1]!)),
  };
}

/** Which package a source of the map belongs to. */
export function packageGroup(source: string): string {
  const normalized = source.replace(/\\/g, '/');
  const modules = normalized.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = normalized.slice(modules + 'node_modules/'.length).split('/');
    const name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    if (name === 'react' || name === 'react-dom' || name === 'scheduler') return 'react + react-dom';
    if (name === '@apollo/client' || name === 'optimism' || name.startsWith('@wry/') || name === 'tslib')
      return '@apollo/client (+ optimism, @wry, tslib)';
    if (name.startsWith('@tanstack/')) return '@tanstack/react-virtual';
    return name;
  }
  if (normalized.includes('packages/react/src/')) return '@gochat/react';
  if (normalized.includes('packages/client/src/')) return '@gochat/client';
  if (/(^|\/)src\//.test(normalized)) return 'the app (clients/web/src)';
  return normalized;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes one segment of a source map's mappings (base64 VLQ). */
function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char)!;
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/**
 * The generated code of a file, split by the source each mapping segment points at: the text from a
 * segment's column to the next segment's belongs to that segment's source.
 */
function codeBySource(code: string, map: { sources: string[]; mappings: string }): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (key: string, text: string) => {
    if (!text) return;
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(text);
  };
  const lines = code.split('\n');
  let source = 0;
  map.mappings.split(';').forEach((lineMappings, lineIndex) => {
    const line = lines[lineIndex] ?? '';
    let column = 0;
    const segments = lineMappings
      ? lineMappings.split(',').map((s) => {
          const [col = 0, src] = decodeSegment(s);
          column += col;
          if (src !== undefined) source += src;
          return { column, source: src === undefined ? -1 : source };
        })
      : [];
    add('', line.slice(0, segments[0]?.column ?? line.length));
    segments.forEach((segment, i) => {
      const text = line.slice(segment.column, segments[i + 1]?.column ?? line.length);
      add(segment.source < 0 ? '' : map.sources[segment.source]!, text);
    });
  });
  return out;
}

export function analyseBundle(dist: string): BundleReport {
  const { how, js, css } = initialFiles(dist);
  const scripts = js.map((file) => sizes(dist, file));
  const byGroup = new Map<string, string[]>();
  let unmappedBytes = 0;
  let mapped = true;
  for (const file of js) {
    const mapFile = path.join(dist, `${file}.map`);
    if (!fs.existsSync(mapFile)) {
      mapped = false;
      continue;
    }
    const map = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as { sources: string[]; mappings: string };
    for (const [source, texts] of codeBySource(fs.readFileSync(path.join(dist, file), 'utf8'), map)) {
      if (!source) {
        unmappedBytes += texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
        continue;
      }
      const group = packageGroup(source);
      byGroup.set(group, [...(byGroup.get(group) ?? []), ...texts]);
    }
  }
  const shares = mapped
    ? [...byGroup.entries()]
        .map(([group, texts]) => {
          const text = texts.join('');
          return { group, bytes: Buffer.byteLength(text), gzipBytes: gzip(text) };
        })
        .sort((a, b) => b.bytes - a.bytes)
    : null;
  return {
    how,
    scripts,
    css: css.map((file) => sizes(dist, file)),
    jsBytes: scripts.reduce((n, s) => n + s.bytes, 0),
    jsGzipBytes: scripts.reduce((n, s) => n + s.gzipBytes, 0),
    shares,
    unmappedBytes,
  };
}
