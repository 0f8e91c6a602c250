/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** Shared by the console's browser suites: Chromium's flags, and the check of every page. */
export const ARTIFACTS = join(__dirname, '../../test-artifacts/console');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshot, glyph coverage of every character on the page, and axe-core (serious/critical: none). */
export async function check(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const fonts = await page.evaluate(() => {
    const text = document.body.innerText;
    const faces: FontFace[] = [];
    document.fonts.forEach((f) => {
      if (f.family.replace(/"/g, '') === 'ConsoleSans') faces.push(f);
    });
    return {
      vietnamese: /[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/i.test(text),
      loaded: faces.length > 0 && faces.every((f) => f.status === 'loaded'),
      // true only when the loaded face has a glyph for every character of the page's text
      covered: document.fonts.check('16px ConsoleSans', text) && document.fonts.check('bold 16px ConsoleSans', text),
      statuses: faces.map((f) => `${f.weight}:${f.status}`).join(','),
    };
  });
  expect({ name, ...fonts }).toEqual({
    name,
    vietnamese: true,
    loaded: true,
    covered: true,
    statuses: '400:loaded,700:loaded',
  });
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> };
      }
    ).axe;
    const r = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`);
  });
  expect({ name, violations }).toEqual({ name, violations: [] });
}
