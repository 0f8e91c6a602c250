/**
 * PDF exports (A4 landscape, embedded DejaVu fonts for Vietnamese): the national header with the
 * reporting unit as the agency, the title and period, the table (two-level header, breaking across
 * pages) and, for form 06a and the index, a bar chart. Numbers as in the JSON: counts as integers,
 * points with 2 decimals, ratios as percentages with 2 decimals. Pure; no Nest.
 */
import {
  Cell,
  createPdf,
  nationalHeader,
  pageNumbers,
  Pdf,
  table,
  TableColumn,
  textAt,
} from 'src/dossiers/documents/pdf-layout';
import { Bar, barChart, BarChart } from 'src/reports/export/pdf-chart';
import { REPORT_LABELS as L } from 'src/reports/export/labels';
import {
  byRank,
  ColumnKind,
  formatAt,
  indexMethodsTable,
  stampLines,
  indexStructure,
  indexTable,
  numbered,
  officialsTable,
  processingRowLabel,
  processingTable,
  ReportTable,
  round2,
  Value,
} from 'src/reports/export/tables';
import type { IndexReport, OfficialsReport, ProcessingReport } from 'src/reports/report.types';

const MARGINS = { top: 36, bottom: 40, left: 36, right: 36 };
const TABLE_STYLE = { size: 8, headerSize: 7.5, pad: 3 };
const COLORS = { early: '#2E7D32', onTime: '#1565C0', late: '#C62828', total: '#1565C0' };

/** A value as printed: counts as integers, points with 2 decimals, ratios as percentages. */
export function pdfValue(v: Value, kind: ColumnKind): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  switch (kind) {
    case 'points':
      return round2(v).toFixed(2);
    case 'ratio':
      return `${(v * 100).toFixed(2)}%`;
    case 'int':
    case 'text':
      return String(v);
  }
}

/** The table for the layout helper; the total row in bold, labelled in its last key column. */
function tableCells(t: ReportTable): { columns: TableColumn[]; rows: Cell[][] } {
  const columns = t.columns.map((c): TableColumn => ({
    title: c.title,
    group: c.group,
    weight: c.width,
    align: c.kind === 'text' ? 'left' : 'center',
  }));
  const cells = (row: Value[], bold: boolean): Cell[] =>
    row.map((v, i) => [{ text: pdfValue(v, t.columns[i].kind), font: bold ? 'condensedBold' : 'condensed' }]);
  const rows = t.rows.map((r) => cells(r, false));
  if (t.total) {
    const total = [...t.total];
    total[Math.max(0, t.keyColumns - 1)] = L.total;
    rows.push(cells(total, true));
  }
  return { columns, rows };
}

interface Page {
  doc: Pdf;
  x: number;
  width: number;
  bottom: number;
  newPage: () => number;
}

interface Heading {
  title: string;
  subtitle?: string;
  period: string;
  unitName: string;
  generatedAt: string;
  /** Lines under the period (default: when it was made); see stampLines. */
  stamp?: string[];
}

async function render(h: Heading, body: (page: Page, y: number) => void): Promise<Buffer> {
  const at = new Date(h.generatedAt);
  const pdf = createPdf({
    layout: 'landscape',
    margins: MARGINS,
    title: h.title,
    author: h.unitName,
    createdAt: Number.isNaN(at.getTime()) ? new Date(0) : at,
  });
  const { doc } = pdf;
  const x = MARGINS.left;
  const width = doc.page.width - MARGINS.left - MARGINS.right;
  const page: Page = {
    doc,
    x,
    width,
    bottom: doc.page.height - MARGINS.bottom,
    newPage: () => {
      doc.addPage();
      return MARGINS.top;
    },
  };
  let y = nationalHeader(doc, { parentName: null, unitName: h.unitName }, { x, y: MARGINS.top, width }, 10) + 10;
  y = textAt(doc, h.title, x, y, width, { font: 'bold', size: 13, align: 'center' });
  if (h.subtitle) y = textAt(doc, h.subtitle, x, y + 2, width, { font: 'italic', size: 10, align: 'center' });
  y = textAt(doc, h.period, x, y + 4, width, { size: 11, align: 'center' });
  for (const line of h.stamp ?? [L.generatedAt(formatAt(h.generatedAt) ?? h.generatedAt)]) {
    y = textAt(doc, line, x, y + 2, width, { font: 'italic', size: 9, align: 'center' });
  }
  body(page, y + 12);
  pageNumbers(doc, 8);
  return pdf.finish();
}

function drawTable(p: Page, t: ReportTable, y: number): number {
  const { columns, rows } = tableCells(t);
  return table(p.doc, { x: p.x, y, width: p.width, bottom: p.bottom }, columns, rows, TABLE_STYLE, p.newPage);
}

function drawChart(p: Page, chart: BarChart, y: number): void {
  if (chart.bars.length === 0) return;
  barChart(p.doc, { x: p.x, y: y + 16, width: p.width, bottom: p.bottom }, chart, p.newPage);
}

export function processingPdf(r: ProcessingReport): Promise<Buffer> {
  const S = L.processing.series;
  const heading = {
    title: L.processing.title,
    subtitle: L.processing.form,
    period: L.period(r.from, r.to),
    unitName: r.unitName,
    generatedAt: r.generatedAt,
    stamp: stampLines(r),
  };
  return render(heading, (p, y) => {
    const below = drawTable(p, numbered(processingTable(r)), y);
    drawChart(
      p,
      {
        title: L.processing.chartTitle,
        series: [
          { label: S.early, color: COLORS.early },
          { label: S.onTime, color: COLORS.onTime },
          { label: S.late, color: COLORS.late },
        ],
        bars: r.rows.map((row): Bar => ({
          label: processingRowLabel(r, row),
          values: [row.resolvedEarly, row.resolvedOnTime, row.resolvedLate],
          note: String(row.resolvedTotal),
        })),
      },
      below,
    );
  });
}

export function indexPdf(r: IndexReport): Promise<Buffer> {
  const heading = {
    title: L.index.title,
    subtitle: L.index.decision,
    period: L.index.period(r.period, r.from, r.to),
    unitName: r.unitName,
    generatedAt: r.generatedAt,
    stamp: stampLines(r),
  };
  const max = indexStructure(r).reduce((a, g) => a + g.max, 0);
  return render(heading, (p, y) => {
    const below = drawTable(p, indexTable(r, { indicators: false }), y);
    drawChart(
      p,
      {
        title: L.index.chartTitle,
        series: [{ label: L.index.totalPoints, color: COLORS.total }],
        bars: byRank(r).map((u): Bar => ({
          label: `${u.rank}. ${u.unitName}`,
          values: [round2(u.total)],
          note: pdfValue(u.total, 'points'),
        })),
        max: max || 100,
      },
      below,
    );
    // How every indicator is computed, on pages of its own.
    const top = p.newPage();
    const y0 = textAt(p.doc, L.index.methodsTitle, p.x, top, p.width, { font: 'bold', size: 11, align: 'center' });
    drawTable(p, indexMethodsTable(r), y0 + 8);
  });
}

export function officialsPdf(r: OfficialsReport): Promise<Buffer> {
  const heading = {
    title: L.officials.title,
    period: L.period(r.from, r.to),
    unitName: r.unitName,
    generatedAt: r.generatedAt,
  };
  return render(heading, (p, y) => {
    drawTable(p, numbered(officialsTable(r)), y);
  });
}
