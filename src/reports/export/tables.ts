/**
 * The reports as tables: columns (with an optional shared header above them), rows of plain values
 * and a total row. The csv, xlsx and pdf renderers all draw these, so the three formats carry the
 * same columns and the same numbers. Pure; no Nest.
 */
import { formatInstant } from 'src/dossiers/documents/document-format';
import { COUNT_COLUMNS, REPORT_LABELS as L } from 'src/reports/export/labels';
import {
  COUNT_KEYS,
  IndexGroupKey,
  IndexReport,
  IndexUnit,
  OfficialRow,
  OfficialsReport,
  ProcessingReport,
  ProcessingRow,
} from 'src/reports/report.types';

/**
 * How a column's values are written: text as is; `int` as a whole number (counts, ranks); `points`
 * with 2 decimals; `ratio` a fraction (0.8 = 80 %).
 */
export type ColumnKind = 'text' | 'int' | 'points' | 'ratio';

export interface ReportColumn {
  title: string;
  /** Consecutive columns with the same group share a header cell above their own titles. */
  group?: string;
  kind: ColumnKind;
  /** Width in characters (xlsx); relative weight in the pdf. */
  width: number;
}

export type Value = string | number | null;

export interface ReportTable {
  columns: ReportColumn[];
  rows: Value[][];
  /** The total row: its key cells are null (the renderers write "Tổng cộng" there); null when none. */
  total: Value[] | null;
  /** Leading columns that name a row: frozen in the xlsx, spanned by the total row's label. */
  keyColumns: number;
}

/** Points as every export writes them: rounded to 2 decimals. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** A leading STT column numbering the rows from 1. */
export function numbered(t: ReportTable): ReportTable {
  return {
    columns: [{ title: L.no, kind: 'int', width: 6 }, ...t.columns],
    rows: t.rows.map((r, i) => [i + 1, ...r]),
    total: t.total && [null, ...t.total],
    keyColumns: t.keyColumns + 1,
  };
}

const text = (title: string, width: number): ReportColumn => ({ title, kind: 'text', width });

/** Form 06a: unit code and name (field, or procedure code and name, when grouped so), the 12 counts. */
export function processingTable(r: ProcessingReport): ReportTable {
  const grouping = L.processing.groupColumns[r.groupBy];
  const keys: ReportColumn[] = [
    text(L.unitCode, 14),
    text(L.unitName, 32),
    ...grouping.map((c) => text(c.title, c.width)),
  ];
  const counts: ReportColumn[] = COUNT_KEYS.map((k) => ({ ...COUNT_COLUMNS[k], kind: 'int', width: 12 }));
  const groupCells = (row: ProcessingRow): Value[] => {
    switch (r.groupBy) {
      case 'unit':
        return [];
      case 'field':
        return [row.field ?? null];
      case 'procedure':
        return [row.procedureCode ?? null, row.procedureName ?? null];
    }
  };
  return {
    columns: [...keys, ...counts],
    rows: r.rows.map((row) => [row.unitCode, row.unitName, ...groupCells(row), ...COUNT_KEYS.map((k) => row[k])]),
    total: [...keys.map(() => null), ...COUNT_KEYS.map((k) => r.total[k])],
    keyColumns: keys.length,
  };
}

/** The label of a 06a row in the chart: the unit, or its field or procedure. */
export function processingRowLabel(r: ProcessingReport, row: ProcessingRow): string {
  switch (r.groupBy) {
    case 'unit':
      return row.unitName;
    case 'field':
      return `${row.field ?? ''} (${row.unitCode})`;
    case 'procedure':
      return `${row.procedureName ?? row.procedureCode ?? ''} (${row.unitCode})`;
  }
}

interface Head {
  key: string;
  label: string;
  max: number;
}
interface IndicatorHead extends Head {
  portalRef: string | null;
  method: string;
}
interface GroupHead extends Head {
  key: IndexGroupKey;
  indicators: IndicatorHead[];
}

/** An indicator's name with the portal's number in front ("2.1 · …"). */
export function indicatorName(i: { label: string; portalRef: string | null }): string {
  return i.portalRef ? `${i.portalRef} · ${i.label}` : i.label;
}

/** The groups and indicators of the index in the order they first appear (units share one model). */
export function indexStructure(r: IndexReport): GroupHead[] {
  const groups: GroupHead[] = [];
  for (const u of r.units) {
    for (const g of u.groups) {
      let head = groups.find((x) => x.key === g.key);
      if (!head) {
        head = { key: g.key, label: g.label, max: g.max, indicators: [] };
        groups.push(head);
      }
      for (const i of g.indicators) {
        if (!head.indicators.some((x) => x.key === i.key))
          head.indicators.push({ key: i.key, label: i.label, max: i.max, portalRef: i.portalRef, method: i.method });
      }
    }
  }
  return groups;
}

/** The units by rank (ties as the report lists them). */
export function byRank(r: IndexReport): IndexUnit[] {
  return r.units
    .map((u, i) => ({ u, i }))
    .sort((a, b) => a.u.rank - b.u.rank || a.i - b.i)
    .map((x) => x.u);
}

/**
 * The index, one row per unit: rank, code, name, total, band and each group's points; with
 * `indicators`, then every indicator's points, numerator, denominator and ratio.
 */
export function indexTable(r: IndexReport, opts: { indicators: boolean }): ReportTable {
  const structure = indexStructure(r);
  const columns: ReportColumn[] = [
    { title: L.index.rank, kind: 'int', width: 7 },
    text(L.unitCode, 14),
    text(L.unitName, 32),
    { title: L.index.totalPoints, kind: 'points', width: 11 },
    text(L.index.band, 12),
    ...structure.map((g): ReportColumn => ({
      title: L.index.groupTitle(g.label, g.max),
      group: L.index.groupPoints,
      kind: 'points',
      width: 14,
    })),
  ];
  if (opts.indicators) {
    for (const g of structure) {
      for (const i of g.indicators) {
        const name = indicatorName(i);
        columns.push(
          { title: L.index.points, group: name, kind: 'points', width: 10 },
          { title: L.index.numerator, group: name, kind: 'int', width: 10 },
          { title: L.index.denominator, group: name, kind: 'int', width: 10 },
          { title: L.index.ratio, group: name, kind: 'ratio', width: 10 },
          { title: L.index.method, group: name, kind: 'text', width: 40 },
        );
      }
    }
  }
  const rows = byRank(r).map((u): Value[] => {
    const row: Value[] = [u.rank, u.unitCode, u.unitName, u.total, u.band];
    for (const g of structure) row.push(u.groups.find((x) => x.key === g.key)?.points ?? null);
    if (opts.indicators) {
      for (const g of structure) {
        const group = u.groups.find((x) => x.key === g.key);
        for (const head of g.indicators) {
          const i = group?.indicators.find((x) => x.key === head.key);
          row.push(
            i?.points ?? null,
            i?.numerator ?? null,
            i?.denominator ?? null,
            i?.ratio ?? null,
            i?.method ?? head.method,
          );
        }
      }
    }
    return row;
  });
  return { columns, rows, total: null, keyColumns: 3 };
}

/** Instants as printed (dd/MM/yyyy HH:mm in +07:00); anything unparsable as given. */
export function formatAt(at: string | null | undefined): string | null {
  if (!at) return null;
  const t = Date.parse(at);
  return Number.isNaN(t) ? at : formatInstant(t);
}

/**
 * The lines under a report's title saying where its figures stand: "Số liệu đã chốt ngày …" for a
 * closed period (instead of the time it was made), and the adjustments carried from the closed
 * period just before it.
 */
export function stampLines(r: {
  generatedAt: string;
  frozen?: boolean;
  closedAt?: string;
  version?: number;
  hash?: string;
  carriedAdjustments?: {
    period: string;
    figure: string;
    part?: string;
    delta: number;
    dossiers: number;
    procedures?: number;
  }[];
}): string[] {
  const lines =
    r.frozen && r.closedAt && r.version !== undefined && r.hash
      ? [L.frozen((formatAt(r.closedAt) ?? r.closedAt).slice(0, 10), r.version, r.hash)]
      : [L.generatedAt(formatAt(r.generatedAt) ?? r.generatedAt)];
  const byPeriod = new Map<string, string[]>();
  for (const a of r.carriedAdjustments ?? []) {
    const list = byPeriod.get(a.period) ?? [];
    const behind = a.procedures ? `${a.procedures} thủ tục` : `${a.dossiers} hồ sơ`;
    list.push(`${L.figure(a.figure, a.part)} ${a.delta > 0 ? '+' : ''}${a.delta} (${behind})`);
    byPeriod.set(a.period, list);
  }
  for (const [period, items] of byPeriod) lines.push(L.carried(period, items.join('; ')));
  return lines;
}

/** Every indicator of every unit (by rank): numerator, denominator, ratio, points and where it came from. */
export function indexDetailTable(r: IndexReport): ReportTable {
  const columns: ReportColumn[] = [
    text(L.unitCode, 14),
    text(L.unitName, 30),
    text(L.index.group, 24),
    text(L.index.portalRef, 9),
    text(L.index.indicator, 48),
    { title: L.index.numerator, kind: 'int', width: 10 },
    { title: L.index.denominator, kind: 'int', width: 10 },
    { title: L.index.ratio, kind: 'ratio', width: 10 },
    { title: L.index.points, kind: 'points', width: 9 },
    { title: L.index.max, kind: 'points', width: 10 },
    text(L.index.source, 11),
    text(L.index.enteredBy, 18),
    text(L.index.enteredAt, 17),
    text(L.index.method, 80),
  ];
  const rows: Value[][] = [];
  for (const u of byRank(r)) {
    for (const g of u.groups) {
      for (const i of g.indicators) {
        rows.push([
          u.unitCode,
          u.unitName,
          g.label,
          i.portalRef,
          i.label,
          i.numerator,
          i.denominator,
          i.ratio,
          i.points,
          i.max,
          L.index.sources[i.source],
          i.enteredBy ?? null,
          formatAt(i.enteredAt),
          i.method,
        ]);
      }
    }
  }
  return { columns, rows, total: null, keyColumns: 2 };
}

/** How each indicator is computed: the portal's number, group, indicator, max points and method. */
export function indexMethodsTable(r: IndexReport): ReportTable {
  const columns: ReportColumn[] = [
    text(L.index.portalRef, 9),
    text(L.index.group, 22),
    text(L.index.indicator, 36),
    { title: L.index.max, kind: 'points', width: 9 },
    text(L.index.method, 120),
  ];
  const rows: Value[][] = [];
  for (const g of indexStructure(r))
    for (const i of g.indicators) rows.push([i.portalRef ?? L.index.notInPortal, g.label, i.label, i.max, i.method]);
  return { columns, rows, total: null, keyColumns: 1 };
}

/** Steps handled per officer: username, full name, unit, handled / early / on time / late, on-time rate. */
export function officialsTable(r: OfficialsReport): ReportTable {
  const O = L.officials;
  const step = (title: string): ReportColumn => ({ title, group: O.steps, kind: 'int', width: 11 });
  const columns: ReportColumn[] = [
    text(O.username, 16),
    text(O.fullName, 26),
    text(L.unitCode, 14),
    text(L.unitName, 30),
    step(O.handled),
    step(O.early),
    step(O.onTime),
    step(O.late),
    { title: O.onTimeRate, kind: 'ratio', width: 12 },
  ];
  // The annual evaluation's figures (GET /reports/officials?year=), when the report carries them.
  const annual = r.rows.some((o) => o.supplementRequests !== undefined);
  if (annual)
    columns.push(...ANNUAL_KEYS.map((k): ReportColumn => ({ title: O[k], group: O.annual, kind: 'int', width: 10 })));
  const annualOf = (o: OfficialRow) => (annual ? ANNUAL_KEYS.map((k) => o[k] ?? 0) : []);
  const t = r.total;
  return {
    columns,
    rows: r.rows.map((o) => [
      o.username,
      o.fullName,
      o.unitCode,
      o.unitName,
      o.stepsHandled,
      o.stepsEarly,
      o.stepsOnTime,
      o.stepsLate,
      o.onTimeRate,
      ...annualOf(o),
    ]),
    total: [
      null,
      null,
      null,
      null,
      t.stepsHandled,
      t.stepsEarly,
      t.stepsOnTime,
      t.stepsLate,
      t.onTimeRate,
      ...(annual ? ANNUAL_KEYS.map((k) => r.rows.reduce((sum, o) => sum + (o[k] ?? 0), 0)) : []),
    ],
    keyColumns: 2,
  };
}

const ANNUAL_KEYS = [
  'supplementRequests',
  'supplementBreaches',
  'ratedVerySatisfied',
  'ratedSatisfied',
  'ratedDissatisfied',
  'conductFeedback',
  'conductFeedbackUpheld',
  'extensionsCaused',
] as const;
