import { ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DomainError, ErrorDetail } from 'src/common/domain-error';

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
