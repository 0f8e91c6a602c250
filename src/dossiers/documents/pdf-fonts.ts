import { readFileSync } from 'node:fs';

/**
 * Fonts embedded in the documents. PDFKit's built-in fonts have no Vietnamese letters, so the
 * DejaVu TrueType files shipped by the `dejavu-fonts-ttf` npm package are embedded (subset by
 * PDFKit). Serif for the official look of Decree 30/2020 documents; condensed serif in tables.
 */
export const FONT_FILES = {
  regular: 'DejaVuSerif.ttf',
  bold: 'DejaVuSerif-Bold.ttf',
  italic: 'DejaVuSerif-Italic.ttf',
  condensed: 'DejaVuSerifCondensed.ttf',
  condensedBold: 'DejaVuSerifCondensed-Bold.ttf',
  condensedItalic: 'DejaVuSerifCondensed-Italic.ttf',
} as const;

export type FontRole = keyof typeof FONT_FILES;

let loaded: Record<FontRole, Buffer> | null = null;

/** The font files, read once from the package (resolved like a module, so it works from dist/ too). */
export function fontData(): Record<FontRole, Buffer> {
  loaded ??= Object.fromEntries(
    Object.entries(FONT_FILES).map(([role, file]) => [
      role,
      readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)),
    ]),
  ) as Record<FontRole, Buffer>;
  return loaded;
}
