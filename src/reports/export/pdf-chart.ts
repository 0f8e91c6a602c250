/**
 * A horizontal bar chart drawn with PDFKit vector primitives: one bar per item (stacked when it has
 * several series, with a legend), a light value grid with its scale below, the item's label on the
 * left and a value label at the end of each bar. Breaks across pages. Pure; no Nest.
 */
import type { FontRole } from 'src/dossiers/documents/pdf-fonts';
import type { Box, Pdf } from 'src/dossiers/documents/pdf-layout';

export interface BarSeries {
  label: string;
  color: string;
}

export interface Bar {
  label: string;
  /** One value per series, stacked left to right. */
  values: number[];
  /** Written after the end of the bar. */
  note: string;
}

export interface BarChart {
  title: string;
  series: BarSeries[];
  bars: Bar[];
  /** The least value the scale reaches (e.g. the maximum points); the scale grows to the longest bar. */
  max?: number;
}

const LABEL_FONT: FontRole = 'condensed';
const TITLE_FONT: FontRole = 'bold';
const SIZE = 8;
const PITCH = 16;
const BAR_H = 10;
const SCALE_H = 12;
const GRID = '#BDBDBD';
const INK = 'black';

/** A "nice" grid step (1, 2 or 5 times a power of ten) giving about `ticks` intervals up to `max`. */
export function niceStep(max: number, ticks = 5): number {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return Math.max(step ?? raw, 1e-9);
}

/** The text cut (with an ellipsis) to fit `width` in the current font. */
export function fitText(doc: Pdf, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  const chars = Array.from(text);
  while (chars.length > 0 && doc.widthOfString(`${chars.join('').trimEnd()}…`) > width) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}

/** A single line at (x, y), never wrapped (so PDFKit never opens a page for it). */
function line(doc: Pdf, text: string, x: number, y: number, font: FontRole, size: number, color = INK): void {
  doc.font(font).fontSize(size).fillColor(color).text(text, x, y, { lineBreak: false });
}

function legend(doc: Pdf, series: BarSeries[], x: number, y: number): number {
  let cx = x;
  for (const s of series) {
    doc.rect(cx, y + 1, 8, 8).fill(s.color);
    doc.font(LABEL_FONT).fontSize(SIZE);
    line(doc, s.label, cx + 11, y, LABEL_FONT, SIZE);
    cx += 11 + doc.widthOfString(s.label) + 16;
  }
  return y + 14;
}

/**
 * Draws the chart from `box.y`; when the page is full, continues at the y `newPage()` returns.
 * Returns the y below the chart.
 */
export function barChart(doc: Pdf, box: Box & { bottom: number }, chart: BarChart, newPage: () => number): number {
  const labelW = Math.min(220, box.width * 0.28);
  const noteW = 64;
  const plotX = box.x + labelW + 6;
  const plotW = box.width - labelW - 6 - noteW;
  const longest = Math.max(0, ...chart.bars.map((b) => b.values.reduce((a, v) => a + Math.max(0, v), 0)));
  const step = niceStep(Math.max(chart.max ?? 0, longest, 1));
  const top = Math.ceil(Math.max(chart.max ?? 0, longest, 1) / step - 1e-9) * step;
  const xOf = (v: number) => plotX + (Math.max(0, v) / top) * plotW;

  let y = box.y;
  const heading = 16 + (chart.series.length > 1 ? 14 : 0);
  if (y + heading + PITCH + SCALE_H > box.bottom) y = newPage();
  line(doc, chart.title, box.x, y, TITLE_FONT, 10);
  y += 16;
  if (chart.series.length > 1) y = legend(doc, chart.series, plotX, y);

  let next = 0;
  while (next < chart.bars.length) {
    let fit = Math.floor((box.bottom - y - SCALE_H) / PITCH);
    if (fit < 1) {
      y = newPage();
      fit = Math.max(1, Math.floor((box.bottom - y - SCALE_H) / PITCH));
    }
    const bars = chart.bars.slice(next, next + fit);
    const height = bars.length * PITCH;
    // The grid first, so the bars cover it; its scale below.
    doc.lineWidth(0.4).strokeColor(GRID);
    for (let v = 0; v <= top + 1e-9; v += step) {
      const gx = xOf(v);
      doc
        .moveTo(gx, y)
        .lineTo(gx, y + height)
        .stroke();
      doc.font(LABEL_FONT).fontSize(SIZE - 1);
      const tick = String(Math.round(v * 100) / 100);
      line(doc, tick, gx - doc.widthOfString(tick) / 2, y + height + 2, LABEL_FONT, SIZE - 1, '#616161');
    }
    doc.strokeColor(INK);
    bars.forEach((bar, i) => {
      const by = y + i * PITCH + (PITCH - BAR_H) / 2;
      const ty = by + (BAR_H - SIZE) / 2 - 0.5;
      doc.font(LABEL_FONT).fontSize(SIZE);
      const label = fitText(doc, bar.label, labelW - 4);
      line(doc, label, box.x + labelW - doc.widthOfString(label), ty, LABEL_FONT, SIZE);
      let sum = 0;
      bar.values.forEach((v, s) => {
        const x0 = xOf(sum);
        sum += Math.max(0, v);
        const w = xOf(sum) - x0;
        if (w <= 0) return;
        doc.rect(x0, by, w, BAR_H).fill(chart.series[s]?.color ?? GRID);
        const text = String(v);
        doc.font(LABEL_FONT).fontSize(SIZE - 1);
        if (bar.values.length > 1 && doc.widthOfString(text) + 4 <= w) {
          line(doc, text, x0 + (w - doc.widthOfString(text)) / 2, ty + 0.5, LABEL_FONT, SIZE - 1, 'white');
        }
      });
      line(doc, bar.note, xOf(sum) + 4, ty, TITLE_FONT, SIZE);
    });
    doc.fillColor(INK);
    next += bars.length;
    y += height + SCALE_H + 6;
  }
  return y;
}
