/**
 * Under the Decree 61/2018 policy version (dossiers received before 01/07/2025) the fold gives the
 * answers it gave before the Decree 118/2025 version existed: random histories (fast-check, fixed
 * seed) folded by today's fold with the shipped nd61-2018 version and by the fold as it stood
 * before (testdata/lifecycle-before-nd118.ts, frozen) agree on every state and every refusal.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calendarFromHolidayFile, WorkingCalendar } from '../calendar/working-time';
import { lifecyclePolicyAt, parseSlaPolicy } from '../config/sla-policy';
import { toFoldPolicy } from './dossiers.service';
import {
  applyEvent,
  Channel,
  DossierAction,
  DossierEvent,
  DossierState,
  FoldContext,
  LifecycleError,
} from './lifecycle';
import * as before from './testdata/lifecycle-before-nd118';

const calendar = WorkingCalendar.build(
  calendarFromHolidayFile(
    JSON.parse(readFileSync(join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8')),
  ),
);
const shipped = parseSlaPolicy(JSON.parse(readFileSync(join(__dirname, '../../config/sla-policy.json'), 'utf8')));
const H = 3_600_000;
const FROM = Date.parse('2025-01-02T00:00:00+07:00');
const LAST_RECEPTION = Date.parse('2025-06-30T23:59:59+07:00');
const SEED = 118_2025;

const ACTIONS: Exclude<DossierAction, 'intake' | 'close'>[] = [
  'forward',
  'request_supplement',
  'receive_supplement',
  'request_payment',
  'confirm_payment',
  'extend',
  'resolve',
  'return',
  'reject',
  'stop',
  'withdraw',
];

function payload(action: DossierAction, at: number, k: number): Record<string, unknown> {
  switch (action) {
    case 'request_supplement':
      return { reason: 'Thiếu giấy tờ', items: ['Bản sao'] };
    case 'request_payment':
      return { amount: 50000 };
    case 'confirm_payment':
      return { paidOnline: k % 2 === 0 };
    case 'extend':
      return {
        newPromisedAt: new Date(at + (k % 40) * 8 * H).toISOString(),
        reason: 'Cần xác minh',
        responsibleUnitCode: 'H15.50.01',
      };
    case 'resolve':
      return { resultSummary: 'Cấp', electronicResult: k % 3 === 0 };
    case 'reject':
    case 'stop':
      return { reason: 'Không đủ điều kiện' };
    case 'forward':
      return k % 5 === 0 ? { toStepIndex: k % 3 } : {};
    default:
      return {};
  }
}

const limits = fc.constantFrom(
  { amount: 3, unit: 'working_days' as const },
  { amount: 1, unit: 'working_days' as const },
  { amount: 10, unit: 'working_hours' as const },
  { amount: 5, unit: 'calendar_days' as const },
);

const history = fc.record({
  receivedAt: fc.integer({ min: FROM, max: LAST_RECEPTION }),
  channel: fc.constantFrom<Channel>('direct', 'online', 'postal'),
  cutoff: fc.constantFrom(null, '15:00'),
  limit: limits,
  steps: fc.array(
    fc.record({
      action: fc.constantFrom(...ACTIONS),
      gap: fc.integer({ min: 0, max: 6 * 24 * 60 }),
      k: fc.nat(1000),
    }),
    { maxLength: 12 },
  ),
});

/** The state minus the fields the Decree 118 version added (absent before it). */
function comparable(
  s: DossierState,
): Omit<DossierState, 'policyVersion' | 'breaches' | 'restarts' | 'supplementExpiresAt'> {
  const { policyVersion: _p, breaches: _b, restarts: _r, supplementExpiresAt: _x, ...rest } = s;
  return rest;
}

function outcome<T>(f: () => T): { ok: T } | { error: string } {
  try {
    return { ok: f() };
  } catch (err) {
    if (err instanceof LifecycleError || err instanceof before.LifecycleError) return { error: err.code };
    throw err;
  }
}

describe('the Decree 61/2018 version gives the answers of the fold before Decree 118/2025', () => {
  it('agrees with the frozen fold on random histories received before 01/07/2025 (seed 1182025)', () => {
    fc.assert(
      fc.property(history, (h) => {
        const rules = {
          timeLimit: h.limit,
          intakeCutoff: h.cutoff,
          steps: [
            { name: 'Tiếp nhận', unitId: 'u0', unitCode: 'H15.50', workingHours: 4 },
            { name: 'Thẩm định', unitId: 'u1', unitCode: 'H15.50.01', workingHours: 12 },
            { name: 'Ký duyệt', unitId: 'u2', unitCode: 'H15.50.02', workingHours: 4 },
          ],
        };
        const nowCtx: FoldContext = {
          calendar,
          rules,
          policy: (at) => toFoldPolicy(lifecyclePolicyAt(shipped, at)),
          channel: h.channel,
        };
        const oldCtx: before.FoldContext = { calendar, rules, policy: { maxExtensions: 1, extensionMinLeadMs: 0 } };
        const intake: DossierEvent = { action: 'intake', at: h.receivedAt, actorUserId: 'u', payload: {} };
        let mine = applyEvent(null, intake, nowCtx);
        let theirs = before.applyEvent(null, intake as before.DossierEvent, oldCtx);
        expect(mine.policyVersion).toBe('nd61-2018');
        expect(mine.supplementExpiresAt).toBeNull();
        expect(comparable(mine)).toEqual(theirs);
        let at = h.receivedAt;
        for (const step of h.steps) {
          at += step.gap * 60_000;
          const e: DossierEvent = {
            action: step.action,
            at,
            actorUserId: 'u',
            payload: payload(step.action, at, step.k),
          };
          const a = outcome(() => applyEvent(mine, e, nowCtx));
          const b = outcome(() => before.applyEvent(theirs, e as before.DossierEvent, oldCtx));
          if ('error' in b) {
            expect(a).toEqual(b);
            continue;
          }
          expect('ok' in a).toBe(true);
          mine = (a as { ok: DossierState }).ok;
          theirs = b.ok;
          expect(comparable(mine)).toEqual(theirs);
          expect(mine.breaches).toEqual([]);
          expect(mine.supplementExpiresAt ?? null).toBeNull();
          // The closing rule is not part of Decree 61/2018.
          if (mine.status === 'awaiting_supplement') {
            expect(() =>
              applyEvent(mine, { ...e, action: 'close', at: at + 400 * 24 * H, payload: {} }, nowCtx),
            ).toThrow(expect.objectContaining({ code: 'RULE_VIOLATION' }));
          }
        }
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });
});
