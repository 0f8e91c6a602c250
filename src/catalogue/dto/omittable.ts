import { ValidateIf, ValidationOptions } from 'class-validator';

/**
 * The field may be left out, but null is not a value for it (unlike @IsOptional, which lets null
 * through and would reach a NOT NULL column): absent means "unchanged" or "the default".
 */
export const IsOmittable = (options?: ValidationOptions) =>
  ValidateIf((_object, value) => value !== undefined, options);
