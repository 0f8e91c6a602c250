import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lifecyclePolicyAt, parseSlaPolicy } from 'src/config/sla-policy';

const base = { dueSoonWorkingHours: 8, escalationWorkingHours: 16 };
const version = (effectiveFrom: string, maxExtensions: number, lateAfterSupplementRequests = 1) => ({
  effectiveFrom,
  maxExtensions,
  extensionMinLeadWorkingHours: 0,
  lateAfterSupplementRequests,
});

describe('SLA policy file', () => {
  it('reads the shipped file: Decree 61/2018 before 2025-07-01, Decree 118/2025 from then, once-only extensions', () => {
    const p = parseSlaPolicy(JSON.parse(readFileSync(join(__dirname, '../../config/sla-policy.json'), 'utf8')));
    expect(p.lifecycle.map((v) => v.id)).toEqual(['nd61-2018', 'nd118-2025']);
    const before = lifecyclePolicyAt(p, Date.parse('2025-06-30T23:59:59+07:00'));
    expect(before).toMatchObject({ id: 'nd61-2018', supplementRestartsClock: false, maxSupplementRequests: null });
    const after = lifecyclePolicyAt(p, Date.parse('2025-07-01T00:00:00+07:00'));
    expect(after).toMatchObject({
      id: 'nd118-2025',
      maxExtensions: 1,
      supplementRestartsClock: true,
      maxSupplementRequests: 1,
      supplementRequestWindowWorkingHours: 24,
      onlineIncompleteWindowWorkingHours: 8,
      closeAfterSupplementDays: 15,
      extensionBeforeDueDate: true,
      paperHandoverAfter: '15:00',
    });
    // Every Decree 118 rule cites its article.
    for (const k of [
      'supplementRestartsClock',
      'maxSupplementRequests',
      'closeAfterSupplementDays',
      'extensionBeforeDueDate',
      'paperHandoverAfter',
    ]) {
      expect(after.articles[k]).toMatch(/Điều \d+/);
    }
  });

  it('refuses a bad Decree 118 setting with the key named', () => {
    const v = { ...version('2025-07-01T00:00:00+07:00', 1), id: 'x' };
    expect(() => parseSlaPolicy({ ...base, lifecycle: [{ ...v, paperHandoverAfter: '25:00' }] })).toThrow(
      /paperHandoverAfter/,
    );
    expect(() => parseSlaPolicy({ ...base, lifecycle: [{ ...v, maxSupplementRequests: 1.5 }] })).toThrow(
      /maxSupplementRequests/,
    );
    expect(() =>
      parseSlaPolicy({ ...base, lifecycle: [v, { ...v, effectiveFrom: '2026-01-01T00:00:00+07:00' }] }),
    ).toThrow(/id/);
  });

  it('chooses the version in force when the dossier was received, the first one before them all', () => {
    const p = parseSlaPolicy({
      ...base,
      lifecycle: [version('2020-01-01T00:00:00+07:00', 2, 1), version('2025-07-01T00:00:00+07:00', 1, 0)],
    });
    const at = (local: string) => lifecyclePolicyAt(p, Date.parse(`${local}+07:00`));
    expect(at('2019-05-05T08:00:00').maxExtensions).toBe(2);
    expect(at('2025-06-30T23:59:59').maxExtensions).toBe(2);
    expect(at('2025-07-01T00:00:00')).toMatchObject({ maxExtensions: 1, lateAfterSupplementRequests: 0 });
  });

  it('still reads the unversioned form as one version for every dossier', () => {
    const p = parseSlaPolicy({
      ...base,
      maxExtensions: 3,
      extensionMinLeadWorkingHours: 8,
      lateAfterSupplementRequests: 2,
    });
    expect(lifecyclePolicyAt(p, 0)).toMatchObject({ maxExtensions: 3, extensionMinLeadWorkingHours: 8 });
  });

  it('refuses versions out of order, instants without an offset, and no version at all', () => {
    expect(() =>
      parseSlaPolicy({
        ...base,
        lifecycle: [version('2025-07-01T00:00:00+07:00', 1), version('2020-01-01T00:00:00+07:00', 2)],
      }),
    ).toThrow(/lifecycle\[1\]\.effectiveFrom must be after/);
    expect(() => parseSlaPolicy({ ...base, lifecycle: [version('2025-07-01T00:00:00', 1)] })).toThrow(
      /lifecycle\[0\]\.effectiveFrom/,
    );
    expect(() => parseSlaPolicy({ ...base, lifecycle: [] })).toThrow(/non-empty/);
    expect(() =>
      parseSlaPolicy({ ...base, lifecycle: [{ ...version('2025-07-01T00:00:00Z', 1), maxExtensions: 1.5 }] }),
    ).toThrow(/maxExtensions must be a whole number/);
  });
});
