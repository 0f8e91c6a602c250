import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import type { ErrorDetail } from 'src/common/domain-error';

/**
 * A DTO class's class-validator rules, compiled once into a plain function for hot loops (the
 * import checks hundreds of thousands of event payloads): the same decorators' own constraint
 * functions and messages, run on the plain object without class-transformer's copy or the
 * validator's per-call setup. Unknown fields are refused like `forbidNonWhitelisted` does.
 * `omit`: properties of the class that are neither checked nor allowed here. Supports flat DTOs
 * (the decorators the action DTOs use); a nested or async rule is refused when compiling, so a DTO
 * change can never be skipped silently.
 */
export type CompiledValidator = (value: Record<string, unknown>) => ErrorDetail[];

interface Check {
  name: string;
  each: boolean;
  constraints: unknown[];
  message: ValidationMetadataMessage;
  validate: (value: unknown, args: ValidationArguments) => boolean;
  defaultMessage: (args: ValidationArguments) => string;
}
type ValidationMetadataMessage = string | ((args: ValidationArguments) => string) | undefined;

const SUPPORTED = new Set<string>([ValidationTypes.CUSTOM_VALIDATION, ValidationTypes.CONDITIONAL_VALIDATION]);

function render(template: string, args: ValidationArguments): string {
  let out = template.replace(/\$property/g, args.property).replace(/\$target/g, args.targetName);
  args.constraints.forEach((c, i) => {
    out = out.replace(new RegExp(`\\$constraint${i + 1}`, 'g'), String(c));
  });
  return out.replace(/\$value/g, String(args.value));
}

export function compileValidator<T extends object>(
  cls: new () => T,
  opts: { omit?: readonly string[] } = {},
): CompiledValidator {
  const storage = getMetadataStorage();
  const metas = storage.getTargetValidationMetadatas(cls, '', false, false);
  const omit = new Set(opts.omit ?? []);
  const props = new Map<string, { conditions: ((o: object, v: unknown) => boolean)[]; checks: Check[] }>();
  for (const m of metas) {
    if (omit.has(m.propertyName)) continue;
    if (!SUPPORTED.has(m.type))
      throw new Error(`compileValidator: ${cls.name}.${m.propertyName}: ${m.type} unsupported`);
    const p = props.get(m.propertyName) ?? { conditions: [], checks: [] };
    props.set(m.propertyName, p);
    if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) {
      p.conditions.push(m.constraints[0] as (o: object, v: unknown) => boolean);
      continue;
    }
    for (const c of storage.getTargetValidatorConstraints(m.constraintCls)) {
      if (c.async) throw new Error(`compileValidator: ${cls.name}.${m.propertyName}: async rule unsupported`);
      const instance = c.instance;
      p.checks.push({
        name: c.name,
        each: m.each,
        constraints: m.constraints ?? [],
        message: m.message as ValidationMetadataMessage,
        validate: (v, a) => instance.validate(v, a) as boolean,
        defaultMessage: (a) => instance.defaultMessage?.(a) ?? `${a.property} is invalid`,
      });
    }
  }
  const entries = [...props.entries()];
  const allowed = new Set(props.keys());
  return (obj) => {
    const errors: ErrorDetail[] = [];
    for (const key of Object.keys(obj)) {
      if (!allowed.has(key)) {
        errors.push({ field: key, rule: 'whitelistValidation', message: `${key} is not an allowed field` });
      }
    }
    for (const [property, p] of entries) {
      const value = obj[property];
      if (p.conditions.some((cond) => !cond(obj, value))) continue;
      for (const c of p.checks) {
        const args: ValidationArguments = {
          targetName: cls.name,
          property,
          object: obj,
          value,
          constraints: c.constraints as unknown[],
        };
        const ok =
          c.each && Array.isArray(value)
            ? value.every((v) => c.validate(v, { ...args, value: v }))
            : c.validate(value, args);
        if (ok) continue;
        const template = typeof c.message === 'function' ? c.message(args) : (c.message ?? c.defaultMessage(args));
        errors.push({ field: property, rule: c.name, message: render(template, args) });
      }
    }
    return errors;
  };
}
