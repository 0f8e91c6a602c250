/**
 * The index model (Decision 766 as docs/domain.md describes it) as data: config/reports.json holds the
 * groups, indicators, points, formulas, thresholds and bands; this module validates it and does
 * the arithmetic (points, totals, shared ranks, bands). Pure; no Nest, no database.
 */
import { readFileSync } from 'node:fs';
import { configFile } from 'src/config/paths';
import { INDEX_GROUP_KEYS, IndexGroupKey, IndexIndicator, IndexUnit } from 'src/reports/report.types';

/** What a computed indicator measures (each a numerator over a denominator; reports-repository computes them). */
export const MEASURES = [
  'procedures_complete',
  'dossiers_synced',
  'progress',
  'online_offered',
  'online_used',
  'online_share',
  'paid_online',
  'fee_procedures_paid_online',
  'electronic_result',
  'digitised',
  'e_certified_copies',
  'reused_data',
  'personal_data_store',
  'population_data',
  'feedback_on_time',
  'feedback_satisfaction',
  'dossier_satisfaction',
] as const;
export type Measure = (typeof MEASURES)[number];

export interface IndicatorModel {
  key: string;
  label: string;
  /** The national portal's indicator number ("2.1"); null for indicators not in its document. */
  portalRef: string | null;
  /** How the indicator is computed, as the report shows it ("Phương pháp"). */
  method: string;
  max: number;
  source: 'computed' | 'entered';
  measure?: Measure;
  formula: 'linear' | 'full_at';
  threshold?: number;
  /** Nothing to measure: full points, none, or the share of its max that `follows` scored. */
  ifNone: 'max' | 'zero' | 'follow';
  follows?: string;
}

export interface GroupModel {
  key: IndexGroupKey;
  label: string;
  max: number;
  indicators: IndicatorModel[];
}

export interface ReportsConfig {
  periodCutoffDay: number;
  bands: { min: number; label: string }[];
  groups: GroupModel[];
}

/** Validates config/reports.json; a bad file stops the process with the offending key named. */
export function parseReportsConfig(raw: unknown): ReportsConfig {
  const fail = (where: string, what: string): never => {
    throw new Error(`config/reports.json: ${where} ${what}`);
  };
  const obj = (v: unknown, where: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(where, 'must be an object');
  const num = (v: unknown, where: string, min: number, max: number): number =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
      ? v
      : fail(where, `must be a number in [${min}, ${max}]`);
  const text = (v: unknown, where: string): string =>
    typeof v === 'string' && v.trim() !== '' ? v : fail(where, 'must be a non-empty string');
  const list = (v: unknown, where: string): unknown[] =>
    Array.isArray(v) && v.length > 0 ? v : fail(where, 'must be a non-empty array');

  const r = obj(raw, 'the file');
  const periodCutoffDay = num(r.periodCutoffDay, 'periodCutoffDay', 1, 28);
  if (!Number.isInteger(periodCutoffDay)) fail('periodCutoffDay', 'must be a whole number');
  const bands = list(r.bands, 'bands').map((b, i) => {
    const o = obj(b, `bands[${i}]`);
    return { min: num(o.min, `bands[${i}].min`, 0, 100), label: text(o.label, `bands[${i}].label`) };
  });
  bands.sort((a, b) => b.min - a.min);
  const seen = new Set<string>();
  const groups = list(r.groups, 'groups').map((g, gi) => {
    const o = obj(g, `groups[${gi}]`);
    const key = text(o.key, `groups[${gi}].key`);
    if (!(INDEX_GROUP_KEYS as readonly string[]).includes(key))
      fail(`groups[${gi}].key`, `must be one of ${INDEX_GROUP_KEYS.join(', ')}`);
    const max = num(o.max, `groups[${gi}].max`, 0, 100);
    const indicators = list(o.indicators, `groups[${gi}].indicators`).map((x, ii) => {
      const where = `groups[${gi}].indicators[${ii}]`;
      const io = obj(x, where);
      const ikey = text(io.key, `${where}.key`);
      if (seen.has(ikey)) fail(`${where}.key`, `"${ikey}" is used twice`);
      seen.add(ikey);
      const source: IndicatorModel['source'] =
        io.source === 'computed' || io.source === 'entered'
          ? io.source
          : fail(`${where}.source`, 'must be computed or entered');
      let measure: Measure | undefined;
      if (source === 'computed') {
        if (!(MEASURES as readonly unknown[]).includes(io.measure))
          fail(`${where}.measure`, `must be one of ${MEASURES.join(', ')}`);
        measure = io.measure as Measure;
      }
      const formula: IndicatorModel['formula'] =
        io.formula === 'linear' || io.formula === 'full_at'
          ? io.formula
          : fail(`${where}.formula`, 'must be linear or full_at');
      const threshold = formula === 'full_at' ? num(io.threshold, `${where}.threshold`, 0.01, 1) : undefined;
      const ifNone: IndicatorModel['ifNone'] =
        io.ifNone === 'max' || io.ifNone === 'zero' || io.ifNone === 'follow'
          ? io.ifNone
          : fail(`${where}.ifNone`, 'must be max, zero or follow');
      const follows = ifNone === 'follow' ? text(io.follows, `${where}.follows`) : undefined;
      const portalRef =
        io.portalRef === null
          ? null
          : typeof io.portalRef === 'string' && /^[1-5]\.[1-6][ab]?$/.test(io.portalRef)
            ? io.portalRef
            : fail(`${where}.portalRef`, 'must be the portal\'s indicator number ("2.1", "4.5a") or null');
      const model: IndicatorModel = {
        key: ikey,
        label: text(io.label, `${where}.label`),
        portalRef,
        method: text(io.method, `${where}.method`),
        max: num(io.max, `${where}.max`, 0, 100),
        source,
        measure,
        formula,
        threshold,
        ifNone,
        follows,
      };
      return model;
    });
    const sum = indicators.reduce((s, i) => s + i.max, 0);
    if (Math.abs(sum - max) > 1e-9) fail(`groups[${gi}].max`, `is ${max} but its indicators add up to ${sum}`);
    return { key: key as IndexGroupKey, label: text(o.label, `groups[${gi}].label`), max, indicators };
  });
  const keys = groups.map((g) => g.key);
  if (new Set(keys).size !== keys.length) fail('groups', 'has a group twice');
  const all = groups.flatMap((g) => g.indicators);
  all.forEach((i) => {
    if (i.follows === undefined) return;
    const target = all.find((t) => t.key === i.follows);
    if (!target || target.ifNone === 'follow' || target === i)
      fail(`indicator ${i.key}.follows`, 'must name another indicator that does not itself follow one');
  });
  return { periodCutoffDay, bands, groups };
}

let cached: ReportsConfig | null = null;
export function loadReportsConfig(): ReportsConfig {
  cached ??= parseReportsConfig(JSON.parse(readFileSync(configFile('reports.json'), 'utf8')));
  return cached;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** Points of one indicator for its ratio (null: nothing to measure). */
export function points(model: IndicatorModel, ratio: number | null): number {
  if (ratio === null) return model.ifNone === 'max' ? model.max : 0; // 'follow': resolveFollows()
  const r = Math.max(0, Math.min(1, ratio));
  const p = model.formula === 'full_at' ? Math.min(model.max, (model.max * r) / model.threshold!) : model.max * r;
  return round(p);
}

export interface Fraction {
  numerator: number;
  denominator: number;
}

export interface EnteredValue {
  ratio: number;
  enteredBy: string;
  enteredAt: string;
}

/** One indicator from its measured fraction (computed) or its entered ratio. */
export function indicator(
  model: IndicatorModel,
  measured: Fraction | null,
  entered: EnteredValue | null,
): IndexIndicator {
  if (model.source === 'entered') {
    const ratio = entered ? entered.ratio : null;
    return {
      key: model.key,
      label: model.label,
      portalRef: model.portalRef,
      method: model.method,
      max: model.max,
      // Not entered yet: nothing is claimed, so no points.
      points: ratio === null ? 0 : points(model, ratio),
      ratio,
      numerator: null,
      denominator: null,
      source: 'entered',
      enteredBy: entered?.enteredBy ?? null,
      enteredAt: entered?.enteredAt ?? null,
    };
  }
  const f = measured ?? { numerator: 0, denominator: 0 };
  const ratio = f.denominator === 0 ? null : round(f.numerator / f.denominator);
  return {
    key: model.key,
    label: model.label,
    portalRef: model.portalRef,
    method: model.method,
    max: model.max,
    points: points(model, f.denominator === 0 ? null : f.numerator / f.denominator),
    ratio,
    numerator: f.numerator,
    denominator: f.denominator,
    source: 'computed',
  };
}

/**
 * Indicators with nothing to measure whose rule is 'follow' score the share of their max that the
 * followed indicator scored (5.2 and 5.3 of a unit without feedback follow 5.4). Returns new objects.
 */
export function resolveFollows(models: IndicatorModel[], indicators: IndexIndicator[]): IndexIndicator[] {
  const byKey = new Map(indicators.map((i) => [i.key, i]));
  return indicators.map((ind) => {
    const m = models.find((x) => x.key === ind.key);
    if (!m || m.ifNone !== 'follow' || ind.ratio !== null || ind.source !== 'computed') return ind;
    const t = byKey.get(m.follows!);
    if (!t || t.max === 0) return ind;
    return { ...ind, points: round((m.max * t.points) / t.max) };
  });
}

/** Ranks by total, highest first; equal totals share a rank (1, 2, 2, 4); ties listed by unit code. */
export function rankUnits(units: Omit<IndexUnit, 'rank' | 'band'>[], bands: ReportsConfig['bands']): IndexUnit[] {
  const sorted = [...units].sort((a, b) => b.total - a.total || a.unitCode.localeCompare(b.unitCode));
  let rank = 0;
  return sorted.map((u, i) => {
    if (i === 0 || u.total !== sorted[i - 1].total) rank = i + 1;
    return { ...u, rank, band: bands.find((b) => u.total >= b.min)?.label ?? null };
  });
}

export function roundPoints(x: number): number {
  return round(x);
}
