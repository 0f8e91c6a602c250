import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  indicator,
  parseReportsConfig,
  points,
  rankUnits,
  resolveFollows,
  IndicatorModel,
} from 'src/reports/index-model';

const raw = () => JSON.parse(readFileSync(join(__dirname, '../../config/reports.json'), 'utf8'));

describe('index model', () => {
  it('loads the shipped configuration: six groups adding up to 100 points', () => {
    const c = parseReportsConfig(raw());
    expect(c.groups.map((g) => g.key)).toEqual([
      'transparency',
      'progress',
      'online_service',
      'online_payment',
      'digitisation',
      'satisfaction',
    ]);
    expect(c.groups.reduce((s, g) => s + g.max, 0)).toBe(100);
    expect(c.groups.map((g) => g.max)).toEqual([18, 20, 12, 10, 22, 18]);
  });

  it('names the bad key of a broken configuration', () => {
    const r = raw();
    r.groups[1].max = 21;
    expect(() => parseReportsConfig(r)).toThrow(/groups\[1\]\.max is 21 but its indicators add up to 20/);
    const r2 = raw();
    r2.groups[0].indicators[2].measure = 'nope';
    expect(() => parseReportsConfig(r2)).toThrow(/groups\[0\]\.indicators\[2\]\.measure/);
    const r3 = raw();
    r3.periodCutoffDay = 31;
    expect(() => parseReportsConfig(r3)).toThrow(/periodCutoffDay/);
  });

  it('scores linear and full-at formulas as docs/domain.md says', () => {
    const lin: IndicatorModel = {
      key: 'a',
      label: 'a',
      portalRef: '2.1',
      method: 'm',
      max: 20,
      source: 'computed',
      measure: 'progress',
      formula: 'linear',
      ifNone: 'max',
    };
    const full: IndicatorModel = { ...lin, max: 2, formula: 'full_at', threshold: 0.8, ifNone: 'zero' };
    expect(points(lin, 0.75)).toBe(15);
    expect(points(lin, null)).toBe(20);
    expect(points(full, 0.4)).toBe(1); // 2 x 0.4 / 0.8
    expect(points(full, 0.9)).toBe(2); // capped at max
    expect(points(full, null)).toBe(0);
    const i = indicator(lin, { numerator: 3, denominator: 4 }, null);
    expect(i).toMatchObject({ points: 15, ratio: 0.75, numerator: 3, denominator: 4, source: 'computed' });
    const e = indicator({ ...lin, source: 'entered', measure: undefined }, null, null);
    expect(e).toMatchObject({ points: 0, ratio: null, source: 'entered', enteredBy: null });
  });

  it('shares ranks between equal totals (1, 2, 2, 4) and assigns bands', () => {
    const bands = [
      { min: 90, label: 'Xuất sắc' },
      { min: 50, label: 'Trung bình' },
      { min: 0, label: 'Yếu' },
    ];
    const u = (unitCode: string, total: number) => ({ unitCode, unitName: unitCode, total, groups: [] });
    const ranked = rankUnits([u('D', 40), u('B', 70), u('A', 95), u('C', 70)], bands);
    expect(ranked.map((x) => [x.unitCode, x.rank, x.band])).toEqual([
      ['A', 1, 'Xuất sắc'],
      ['B', 2, 'Trung bình'],
      ['C', 2, 'Trung bình'],
      ['D', 4, 'Yếu'],
    ]);
  });

  it("carries the portal's number and the method of every indicator, and checks them", () => {
    const c = parseReportsConfig(raw());
    const all = c.groups.flatMap((g) => g.indicators);
    expect(all.find((i) => i.key === 'on_time')).toMatchObject({ portalRef: '2.1' });
    expect(all.filter((i) => i.portalRef === null).map((i) => i.key)).toEqual([
      'fee_procedures_paid_online',
      'e_certified_copies',
    ]);
    expect(all.every((i) => i.method.length > 20)).toBe(true);
    const r = raw();
    r.groups[1].indicators[0].portalRef = '2.x';
    expect(() => parseReportsConfig(r)).toThrow(/groups\[1\]\.indicators\[0\]\.portalRef/);
    const r2 = raw();
    delete r2.groups[1].indicators[0].method;
    expect(() => parseReportsConfig(r2)).toThrow(/groups\[1\]\.indicators\[0\]\.method/);
    const r3 = raw();
    r3.groups[5].indicators[0].follows = 'feedback_satisfaction';
    expect(() => parseReportsConfig(r3)).toThrow(/feedback_on_time\.follows/);
  });

  it("scores 'follow' indicators with nothing to measure as the share their target scored", () => {
    const c = parseReportsConfig(raw());
    const models = c.groups.flatMap((g) => g.indicators);
    const sat = models.filter((m) => m.key.startsWith('feedback_') || m.key === 'dossier_satisfaction');
    const none = { numerator: 0, denominator: 0 };
    const out = resolveFollows(sat, [
      indicator(sat[0], none, null),
      indicator(sat[1], { numerator: 1, denominator: 4 }, null),
      indicator(sat[2], { numerator: 3, denominator: 4 }, null),
    ]);
    // 5.4: 75%, full at 90% → 5 of 6; 5.2 has nothing to measure → 5; 5.3 measured → 6 × 0.25.
    expect(out.map((i) => [i.key, i.points])).toEqual([
      ['feedback_on_time', 5],
      ['feedback_satisfaction', 1.5],
      ['dossier_satisfaction', 5],
    ]);
  });
});
