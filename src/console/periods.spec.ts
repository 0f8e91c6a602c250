import type { AdjustmentDto } from 'src/reports/dto/closed-periods.dto';
import { causeLabel, figureName, periodPage, signed, summarise } from './pages/periods.page';

const adj = (over: Partial<AdjustmentDto>): AdjustmentDto => ({
  version: 1,
  dossierId: null,
  dossierCode: null,
  feedbackId: null,
  procedureCode: null,
  figure: 'resolvedLate',
  part: null,
  delta: 1,
  cause: { action: 'import', at: '2026-03-06T10:00:00+07:00', actorUserId: null },
  recordedAt: '2026-03-06T10:00:00+07:00',
  ...over,
});

describe('the closed period page', () => {
  it('sums the adjustments per version, figure and part, counting dossiers, feedback and procedures once', () => {
    const items = [
      adj({ figure: 'index:on_time', part: 'denominator', dossierId: 'd1', dossierCode: 'A' }),
      adj({ dossierId: 'd1', dossierCode: 'A' }),
      adj({ dossierId: 'd2', dossierCode: 'B' }),
      adj({ dossierId: 'd2', dossierCode: 'B', delta: -1, cause: { action: 'resolve', at: null, actorUserId: null } }),
      adj({ figure: 'index:feedback_satisfaction', part: 'numerator', dossierId: 'd2', feedbackId: 'f1', delta: -1 }),
      adj({ figure: 'index:online_offered', part: 'numerator', procedureCode: 'P1', delta: -1 }),
      adj({ figure: 'index:online_offered', part: 'numerator', procedureCode: 'P2', delta: -1 }),
      adj({ version: 2, dossierId: 'd3' }),
    ];
    expect(
      summarise(items).map((s) => [
        s.version,
        s.figure,
        s.part,
        s.delta,
        s.dossiers,
        s.feedback,
        s.procedures,
        s.adjustments,
      ]),
    ).toEqual([
      [1, 'resolvedLate', null, 1, 2, 0, 0, 3],
      [1, 'index:on_time', 'denominator', 1, 1, 0, 0, 1],
      [1, 'index:feedback_satisfaction', 'numerator', -1, 1, 1, 0, 1],
      [1, 'index:online_offered', 'numerator', -2, 0, 0, 2, 2],
      [2, 'resolvedLate', null, 1, 1, 0, 0, 1],
    ]);
  });

  it('writes changes with their sign, figures and causes in Vietnamese', () => {
    expect([signed(3), signed(-1200), signed(0)]).toEqual(['+3', '−1.200', '0']);
    expect(figureName('resolvedLate')).toBe('Số hồ sơ đã giải quyết - Quá hạn');
    expect(figureName('index:on_time')).toMatch(/^Chỉ số .+/);
    expect(figureName('index:on_time')).not.toMatch(/tử số|mẫu số/);
    expect(causeLabel('import')).toBe('Nhập bổ sung dữ liệu hồ sơ (nhập muộn)');
    expect(causeLabel('resolve')).toBe('Hồ sơ: Có kết quả giải quyết');
    expect(causeLabel('feedback_overdue')).toBe('Phản ánh quá hạn chưa được trả lời');
  });

  it('says what each adjustment is about, escapes what it shows, and offers reopening to those allowed only', () => {
    const version = {
      period: '2026-02',
      version: 1,
      from: '2026-02-01',
      to: '2026-02-28',
      status: 'closed' as const,
      hash: 'a'.repeat(64),
      closedBy: 'u',
      closedByUsername: 'board',
      closedAt: '2026-03-05T09:00:00+07:00',
      reopenedBy: null,
      reopenedAt: null,
      reopenReason: null,
    };
    const view = (canReopen: boolean) =>
      periodPage({
        period: '2026-02',
        versions: [version],
        items: [
          adj({ dossierId: 'd1', dossierCode: 'H15<b>' }),
          adj({
            figure: 'index:feedback_satisfaction',
            part: 'numerator',
            dossierId: 'd2',
            dossierCode: 'B',
            feedbackId: 'f',
          }),
          adj({ figure: 'index:online_offered', part: 'numerator', procedureCode: 'P1' }),
        ],
        figure: '',
        page: 1,
        canReopen,
        reason: '',
        reasonInvalid: false,
      }).value;
    const text = view(true);
    expect(text).toContain('Hồ sơ <a href="/console/dossiers/d1">H15&lt;b&gt;</a>');
    expect(text).toContain('Phản ánh về hồ sơ <a href="/console/dossiers/d2">B</a>');
    expect(text).toContain('Thủ tục P1');
    expect(text).toContain('action="/console/periods/2026-02/reopen"');
    expect(view(false)).not.toContain('/reopen');
  });
});
