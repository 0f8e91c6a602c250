import { ACTION_DTOS } from 'src/dossiers/dto/dossier.dto';
import { compileValidator } from 'src/common/compiled-validation';
import { validateDto } from 'src/common/validation';
import { DomainError } from 'src/common/domain-error';

/** The live check (class-transformer + class-validator): its details, or none. */
function live(cls: new () => object, body: Record<string, unknown>) {
  try {
    validateDto(cls, body);
    return [];
  } catch (err) {
    return (err as DomainError).details!;
  }
}
const key = (d: { field?: string; rule?: unknown; message: string }) => `${d.field}|${String(d.rule)}|${d.message}`;

describe('compiled DTO rules (the import path)', () => {
  const samples: [keyof typeof ACTION_DTOS, Record<string, unknown>][] = [
    ['extend', { newPromisedAt: '2026-03-10T17:00:00+07:00', reason: 'x', responsibleUnitCode: 'H15.50' }],
    ['extend', { newPromisedAt: '2026-03-10T17:00:00', reason: 'x', responsibleUnitCode: 'H15.50' }],
    ['extend', { newPromisedAt: 5, reason: '', responsibleUnitCode: 'x'.repeat(41), colour: 'red' }],
    ['forward', {}],
    ['forward', { toStepIndex: 100, assigneeUserId: 'not-a-uuid', note: null }],
    ['forward', { toStepIndex: 1.5, note: 'x'.repeat(2001) }],
    ['request_supplement', { reason: 'r', items: ['a', 3, 'x'.repeat(501)] }],
    ['request_supplement', { reason: 'r', items: 'a' }],
    ['request_payment', { amount: -1 }],
    ['request_payment', { amount: 1.5, note: 'ok' }],
    ['confirm_payment', { paidOnline: 'yes' }],
    ['resolve', { resultSummary: 'x', electronicResult: true }],
    ['resolve', {}],
    ['withdraw', { reason: undefined }],
    ['stop', { reason: 'x', extra: 1, more: 2 }],
  ];

  it.each(samples)('%s %j: the same verdict and details as the live action DTO', (action, payload) => {
    const compiled = compileValidator(ACTION_DTOS[action] as new () => object, { omit: ['expectedVersion'] });
    const expected = live(ACTION_DTOS[action] as new () => object, { ...payload, expectedVersion: 1 });
    expect(compiled(payload).map(key).sort()).toEqual(expected.map(key).sort());
  });

  it('refuses an omitted property as an unknown field (no expectedVersion in an imported event)', () => {
    const compiled = compileValidator(ACTION_DTOS.resolve, { omit: ['expectedVersion'] });
    expect(compiled({ resultSummary: 'x', electronicResult: true, expectedVersion: 3 })).toEqual([
      { field: 'expectedVersion', rule: 'whitelistValidation', message: 'expectedVersion is not an allowed field' },
    ]);
  });
});
