/**
 * Layout helpers shared by the documents: a PDFKit document with the embedded fonts collected
 * into a Buffer, the national header of Decree 30/2020 (agency left, state name and motto right),
 * and a table with a two-level header that breaks across pages. No Nest, no database.
 */
import PDFDocument from 'pdfkit';
import { DOCUMENT_MESSAGES as M } from 'src/dossiers/documents/documents.messages';
import { upper } from 'src/dossiers/documents/document-format';
import { fontData, FontRole } from 'src/dossiers/documents/pdf-fonts';

export type Pdf = PDFKit.PDFDocument;

export interface Box {
  x: number;
  y: number;
  width: number;
}

export interface NewPdf {
  doc: Pdf;
  /** Ends the document and resolves with its bytes. */
  finish(): Promise<Buffer>;
}

/** A document whose output is collected in memory (documents are a few tens of kilobytes). */
export function createPdf(opts: {
  layout: 'portrait' | 'landscape';
  margins: { top: number; bottom: number; left: number; right: number };
  title: string;
  author: string;
  createdAt: Date;
}): NewPdf {
  const doc = new PDFDocument({
    size: 'A4',
    layout: opts.layout,
    margins: opts.margins,
    bufferPages: true,
    info: { Title: opts.title, Author: opts.author, Creator: 'SLA tracker', CreationDate: opts.createdAt },
  });
  for (const [role, data] of Object.entries(fontData())) doc.registerFont(role, data);
  doc.font('regular');
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return {
    doc,
    finish: () => {
      doc.end();
      return done;
    },
  };
}

/** Writes text at (x, y) in a box of `width`; returns the y below it. */
export function textAt(
  doc: Pdf,
  text: string,
  x: number,
  y: number,
  width: number,
  style: { font?: FontRole; size: number; align?: 'left' | 'center' | 'right' | 'justify'; gap?: number },
): number {
  doc.font(style.font ?? 'regular').fontSize(style.size);
  const opts = { width, align: style.align ?? 'left', lineGap: style.gap ?? 0 } as const;
  const h = doc.heightOfString(text, opts);
  doc.text(text, x, y, opts);
  return y + h;
}

function centeredRule(doc: Pdf, cx: number, y: number, length: number): void {
  doc
    .lineWidth(0.6)
    .moveTo(cx - length / 2, y)
    .lineTo(cx + length / 2, y)
    .stroke();
}

/**
 * The national header: the issuing agency (its parent agency above it, in capitals; the agency in
 * bold capitals, underlined by a short rule) on the left, the state name and the motto (underlined
 * by a rule as long as the motto) on the right. Returns the y below the taller side.
 */
export function nationalHeader(
  doc: Pdf,
  agency: { parentName: string | null; unitName: string },
  box: Box,
  size: number,
): number {
  const leftW = box.width * 0.42;
  const rightW = box.width - leftW;
  let yl = box.y;
  if (agency.parentName) yl = textAt(doc, upper(agency.parentName), box.x, yl, leftW, { size, align: 'center' });
  yl = textAt(doc, upper(agency.unitName), box.x, yl, leftW, { font: 'bold', size, align: 'center' });
  centeredRule(doc, box.x + leftW / 2, yl + 2, Math.min(leftW * 0.4, 90));
  const rx = box.x + leftW;
  let yr = textAt(doc, M.nation, rx, box.y, rightW, { font: 'bold', size, align: 'center' });
  yr = textAt(doc, M.motto, rx, yr, rightW, { font: 'bold', size: size + 1, align: 'center' });
  doc.font('bold').fontSize(size + 1);
  centeredRule(doc, rx + rightW / 2, yr + 2, doc.widthOfString(M.motto));
  return Math.max(yl, yr) + 6;
}

/** A paragraph of a table cell, in one font. */
export interface Run {
  text: string;
  font?: FontRole;
}
export type Cell = Run[];

export interface TableColumn {
  title: string;
  /** Relative width; the widths are scaled to fill the table (see fitWidths). */
  weight: number;
  align?: 'left' | 'center';
  /** Consecutive columns with the same group share a header cell above their own titles. */
  group?: string;
}

/** Scales relative weights to a total width (rounded to a tenth of a point, the last absorbs the rest). */
export function fitWidths(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.floor((w / sum) * total * 10) / 10);
  out[out.length - 1] = Math.round((total - out.slice(0, -1).reduce((a, b) => a + b, 0)) * 10) / 10;
  return out;
}

/** Spans of consecutive columns sharing a group: [first, last] index pairs with their title. */
export function groupSpans(columns: TableColumn[]): { title: string; from: number; to: number }[] {
  const spans: { title: string; from: number; to: number }[] = [];
  columns.forEach((c, i) => {
    if (!c.group) return;
    const last = spans[spans.length - 1];
    if (last && last.title === c.group && last.to === i - 1) last.to = i;
    else spans.push({ title: c.group, from: i, to: i });
  });
  return spans;
}

export interface TableStyle {
  size: number;
  headerSize: number;
  pad: number;
}

const CELL_FONT: Record<'regular' | 'bold' | 'italic', FontRole> = {
  regular: 'condensed',
  bold: 'condensedBold',
  italic: 'condensedItalic',
};

function cellHeight(doc: Pdf, cell: Cell, width: number, style: TableStyle): number {
  let h = 0;
  for (const run of cell) {
    doc.font(run.font ?? CELL_FONT.regular).fontSize(style.size);
    h += doc.heightOfString(run.text || ' ', { width: width - 2 * style.pad });
  }
  return h + 2 * style.pad;
}

function drawCell(
  doc: Pdf,
  cell: Cell,
  x: number,
  y: number,
  width: number,
  align: 'left' | 'center',
  style: TableStyle,
) {
  let cy = y + style.pad;
  for (const run of cell) {
    cy = textAt(doc, run.text || ' ', x + style.pad, cy, width - 2 * style.pad, {
      font: run.font ?? CELL_FONT.regular,
      size: style.size,
      align,
    });
  }
}

/** Draws the header of a table at y; returns the y below it. */
function drawHeader(doc: Pdf, columns: TableColumn[], xs: number[], widths: number[], y: number, s: TableStyle) {
  const titleH = (text: string, w: number) => {
    doc.font(CELL_FONT.bold).fontSize(s.headerSize);
    return doc.heightOfString(text, { width: w - 2 * s.pad }) + 2 * s.pad;
  };
  const spans = groupSpans(columns);
  const spanWidth = (from: number, to: number) => widths.slice(from, to + 1).reduce((a, b) => a + b, 0);
  const groupH = Math.max(0, ...spans.map((g) => titleH(g.title, spanWidth(g.from, g.to))));
  const subH = Math.max(0, ...columns.map((c, i) => (c.group ? titleH(c.title, widths[i]) : 0)));
  const fullH = Math.max(groupH + subH, ...columns.map((c, i) => (c.group ? 0 : titleH(c.title, widths[i]))));
  const lowerH = spans.length ? fullH - groupH : fullH;
  const middle = (text: string, x: number, top: number, w: number, h: number) => {
    doc.font(CELL_FONT.bold).fontSize(s.headerSize);
    const th = doc.heightOfString(text, { width: w - 2 * s.pad });
    textAt(doc, text, x + s.pad, top + (h - th) / 2, w - 2 * s.pad, {
      font: CELL_FONT.bold,
      size: s.headerSize,
      align: 'center',
    });
    doc.rect(x, top, w, h).stroke();
  };
  doc.lineWidth(0.5);
  for (const g of spans) middle(g.title, xs[g.from], y, spanWidth(g.from, g.to), groupH);
  columns.forEach((c, i) => {
    if (c.group) middle(c.title, xs[i], y + fullH - lowerH, widths[i], lowerH);
    else middle(c.title, xs[i], y, widths[i], fullH);
  });
  return y + fullH;
}

/**
 * Draws a table from `box.y`; a row that would cross `bottom` goes to a new page (from
 * `newPage()`, which returns the y to continue at), under a repeated header. Rows are not split.
 * Returns the y below the last row.
 */
export function table(
  doc: Pdf,
  box: Box & { bottom: number },
  columns: TableColumn[],
  rows: Cell[][],
  style: TableStyle,
  newPage: () => number,
): number {
  const widths = fitWidths(
    columns.map((c) => c.weight),
    box.width,
  );
  const xs = widths.map((_, i) => box.x + widths.slice(0, i).reduce((a, b) => a + b, 0));
  let y = drawHeader(doc, columns, xs, widths, box.y, style);
  for (const row of rows) {
    const h = Math.max(...row.map((cell, i) => cellHeight(doc, cell, widths[i], style)));
    if (y + h > box.bottom) {
      y = drawHeader(doc, columns, xs, widths, newPage(), style);
    }
    doc.lineWidth(0.5);
    row.forEach((cell, i) => {
      drawCell(doc, cell, xs[i], y, widths[i], columns[i].align ?? 'left', style);
      doc.rect(xs[i], y, widths[i], h).stroke();
    });
    y += h;
  }
  return y;
}

/** "Trang i/n" centred in the bottom margin of every page (only when there is more than one). */
export function pageNumbers(doc: Pdf, size: number): void {
  const range = doc.bufferedPageRange();
  if (range.count < 2) return;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    // Writing inside the bottom margin would make PDFKit open a new page; lift the margin meanwhile.
    doc.page.margins.bottom = 0;
    textAt(doc, M.page(i - range.start + 1, range.count), 0, doc.page.height - bottom / 2 - size / 2, doc.page.width, {
      font: 'italic',
      size,
      align: 'center',
    });
    doc.page.margins.bottom = bottom;
  }
}
