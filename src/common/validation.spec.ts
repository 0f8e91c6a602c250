import fc from 'fast-check';
import { ProcedureStepDto } from 'src/catalogue/dto/procedure.dto';
import { DomainError } from 'src/common/domain-error';
import { RequestPaymentDto } from 'src/dossiers/dto/dossier.dto';
import { decimalPlaces, validateDto } from './validation';

/** The rules a body broke, or 'valid'; anything other than a DomainError (a TypeError: a 500) is rethrown. */
function rules(cls: new () => object, body: unknown): string[] | 'valid' {
  try {
    validateDto(cls, body);
    return 'valid';
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return (err.details ?? []).map((d) => `${d.field}:${d.rule}`);
  }
}

describe('decimal places of a number', () => {
  it('counts them in plain and exponent notation', () => {
    expect([0, 7, 0.5, 0.25, 12.75, -3.125, 1e21, 1.5e-7, 5e-324, 1e-7].map(decimalPlaces)).toEqual([
      0, 0, 1, 2, 2, 3, 0, 8, 324, 7,
    ]);
  });

  it('never exceeds d for an integer divided by 10^d', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 12 }), (i, d) => decimalPlaces(i / 10 ** d) <= d),
      { numRuns: 2000, seed: 2026 },
    );
  });
});

describe('numbers with at most n decimals in request bodies', () => {
  const step = (workingHours: unknown) => ({ name: 'Thẩm định', unitCode: 'H15.50', workingHours });

  it('refuses numbers written with an exponent as a 400 detail, not a TypeError (was a 500: FUZZ_SEED=777769557)', () => {
    for (const hours of [5e-324, 1e-7, 1.5e-10]) {
      expect(rules(ProcedureStepDto, step(hours))).toContain('workingHours:isNumber');
    }
    for (const amount of [1e-7, 2.5e-8]) {
      expect(rules(RequestPaymentDto, { expectedVersion: 1, amount })).toContain('amount:isNumber');
    }
  });

  it('keeps the rule: at most 2 decimals for step hours, none for amounts, finite numbers only', () => {
    expect(rules(ProcedureStepDto, step(12.25))).toBe('valid');
    expect(rules(ProcedureStepDto, step(1e3))).toBe('valid');
    expect(rules(ProcedureStepDto, step(12.125))).toEqual(['workingHours:isNumber']);
    expect(rules(ProcedureStepDto, step('12'))).toContain('workingHours:isNumber');
    expect(rules(RequestPaymentDto, { expectedVersion: 1, amount: 500000 })).toBe('valid');
    expect(rules(RequestPaymentDto, { expectedVersion: 1, amount: 1.5 })).toEqual(['amount:isNumber']);
  });

  it('answers every double with a verdict, never an exception', () => {
    fc.assert(
      fc.property(fc.double(), (hours) => {
        rules(ProcedureStepDto, step(hours));
        rules(RequestPaymentDto, { expectedVersion: 1, amount: hours });
      }),
      { numRuns: 3000, seed: 2027 },
    );
  });
});
