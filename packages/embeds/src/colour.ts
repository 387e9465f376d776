/**
 * Embed colours: a page's theme colour, or the brand colour of a few sites whose pages do not say it
 * the way link previews want it.
 */

const HEX_COLOUR = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

/**
 * `#rgb` or `#rrggbb` as 0xRRGGBB, or undefined. Other CSS colour syntaxes (names, `rgb()`, alpha) are
 * not worth a CSS parser here: pages nearly always write theme-color in hex.
 */
export function parseColour(value: string | undefined): number | undefined {
  const hex = value === undefined ? undefined : HEX_COLOUR.exec(value.trim())?.[1];
  if (hex === undefined) return undefined;
  const full = hex.length === 3 ? [...hex].map((digit) => digit + digit).join('') : hex;
  return Number.parseInt(full, 16);
}

const BRAND_COLOURS: [hosts: RegExp, colour: number][] = [
  [/(^|\.)(youtube\.com|youtu\.be|youtube-nocookie\.com)$/, 0xff0000],
  // The Go original's colour for Twitter/X and its embed-fixing mirrors.
  [/(^|\.)(twitter\.com|x\.com|vxtwitter\.com|fxtwitter\.com|fixvx\.com|fixupx\.com)$/, 0x1da1f2],
];

/** The brand colour of the site at `hostname`, if GoChat knows one. */
export function brandColour(hostname: string): number | undefined {
  return BRAND_COLOURS.find(([hosts]) => hosts.test(hostname))?.[1];
}
