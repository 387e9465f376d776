import { useEffect } from 'react';

import type { Settings } from './types.ts';

type Appearance = Settings['appearance'];

/** The browser's preference, for the SYSTEM theme. */
const PREFERS_LIGHT = '(prefers-color-scheme: light)';

/**
 * Applies the synced appearance to the whole page at once: `data-theme` (light or dark; SYSTEM
 * follows the browser and its changes) and `data-density` on <html>, which the style sheet reads, and
 * the document's language. Undone when the viewer signs out, so the sign-in page looks as it does
 * for everyone.
 */
export function useApplyAppearance(appearance: Appearance | undefined): void {
  const theme = appearance?.theme;
  const density = appearance?.density;
  const locale = appearance?.locale;
  useEffect(() => {
    const root = document.documentElement;
    const media = window.matchMedia(PREFERS_LIGHT);
    const apply = () => {
      if (!theme) delete root.dataset.theme;
      else root.dataset.theme = theme === 'SYSTEM' ? (media.matches ? 'light' : 'dark') : theme.toLowerCase();
    };
    apply();
    if (theme === 'SYSTEM') media.addEventListener('change', apply);
    if (density) root.dataset.density = density.toLowerCase();
    const lang = root.lang;
    if (locale) root.lang = locale;
    return () => {
      media.removeEventListener('change', apply);
      delete root.dataset.theme;
      delete root.dataset.density;
      root.lang = lang;
    };
  }, [theme, density, locale]);
}
