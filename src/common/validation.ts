import { ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { buildMessage, validateSync, ValidateBy, type ValidationOptions } from 'class-validator';
import { DomainError, ErrorDetail } from 'src/common/domain-error';
import { memoizeValidationMetadata } from 'src/common/validation-metadata-memo';

// Every validation of the process (the global pipe, validateDto, compiled validators) goes through
// this module: the rule lookup is memoised once, here.
memoizeValidationMetadata();

function flatten(errors: ValidationError[], prefix = ''): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      for (const [rule, message] of Object.entries(e.constraints)) {
        out.push({
          field,
          rule,
          message: rule === 'whitelistValidation' ? `${field} is not an allowed field` : message,
        });
      }
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/** Whitelisting, refusal of unknown fields, transformation; failures become 400 VALIDATION_FAILED with one detail per bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', flatten(errors)),
  });
}

/** Validates a body against a DTO class chosen at run time (e.g. by action name), like the global pipe. */
export function validateDto<T extends object>(cls: new () => T, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
      { message: 'the body must be a JSON object' },
    ]);
  }
  const instance = plainToInstance(cls, body);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length) throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', flatten(errors));
  return instance;
}

/**
 * Decimal places of a finite number as JavaScript writes it, exponent notation included:
 * 0.25 has 2, 1.5e-7 has 8, 5e-324 has 324, 1e21 has 0.
 */
export function decimalPlaces(n: number): number {
  const [mantissa, exponent = '0'] = n.toString().toLowerCase().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

/**
 * A finite number with at most `maxDecimalPlaces` decimals. Replaces class-validator's
 * `IsNumber({ maxDecimalPlaces })`, which throws a TypeError on a number written with an exponent
 * (`5e-324`, `1e-7`: no "." to split on), so such a body answered 500 instead of 400 (found by the
 * fuzzer, FUZZ_SEED=777769557). Same rule name (`isNumber`) and default message.
 */
export function IsDecimalNumber(maxDecimalPlaces: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNumber',
      constraints: [{ maxDecimalPlaces }],
      validator: {
        validate: (v: unknown) => typeof v === 'number' && Number.isFinite(v) && decimalPlaces(v) <= maxDecimalPlaces,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a number conforming to the specified constraints`,
          options,
        ),
      },
    },
    options,
  );
}
