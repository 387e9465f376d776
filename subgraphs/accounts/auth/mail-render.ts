import fs from 'node:fs';
import path from 'node:path';

/** The mails GoChat sends; each is a subject, a plain-text part and an HTML part. */
export const TEMPLATE_NAMES = ['verification', 'password-reset', 'notice'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface TemplateParts {
  subject: string;
  text: string;
  html: string;
}

/** File names of a template's parts in the overrides folder: `<template>.subject.txt`, `.txt`, `.html`. */
const PART_FILES: Record<keyof TemplateParts, string> = {
  subject: '.subject.txt',
  text: '.txt',
  html: '.html',
};

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** A value as HTML text: escaped (safe in text and in quoted attributes), line breaks kept as <br>. */
export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!).replace(/\r?\n/g, '<br>\n');

/**
 * Replaces each `{{name}}` with its value, HTML-escaped when `html` is set. A placeholder with no
 * value stays as written, so a typo in an override file shows in the mail instead of vanishing.
 */
export function fillPlaceholders(template: string, values: Record<string, string>, html: boolean): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) return whole;
    return html ? escapeHtml(value) : value;
  });
}

/** A template's parts filled in: the subject on one line, the HTML part escaped. */
export function renderParts(parts: TemplateParts, values: Record<string, string>) {
  return {
    subject: fillPlaceholders(parts.subject, values, false)
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .trim(),
    text: fillPlaceholders(parts.text, values, false),
    html: fillPlaceholders(parts.html, values, true),
  };
}

/**
 * The built-in templates with the operator's files laid over them, read once at start: a missing
 * folder is a configuration error, a missing file keeps the built-in part.
 */
export function loadTemplates(
  builtIn: Record<TemplateName, TemplateParts>,
  dir: string | undefined,
): Record<TemplateName, TemplateParts> {
  if (!dir) return builtIn;
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new Error(`accounts.mailTemplatesDir: ${dir} is not a folder`);
  const read = (file: string) => {
    const full = path.join(dir, file);
    return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
  };
  const entries = TEMPLATE_NAMES.map((name) => {
    const parts = { ...builtIn[name] };
    for (const part of Object.keys(PART_FILES) as (keyof TemplateParts)[])
      parts[part] = read(`${name}${PART_FILES[part]}`) ?? parts[part];
    return [name, parts] as const;
  });
  return Object.fromEntries(entries) as Record<TemplateName, TemplateParts>;
}
