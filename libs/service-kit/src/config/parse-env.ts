import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { ConfigError, type ConfigProblem } from './config.errors';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|(^|_)KEY($|_)|CREDENTIAL/i;

/**
 * Parses and validates the environment into an instance of `cls`, once, at boot.
 * Properties are named after the variables (`HTTP_PORT`) and hold defaults as
 * initializers; values are converted to the declared property types
 * (`enableImplicitConversion`), booleans from true/false/1/0/yes/no/on/off.
 * Empty values count as unset; variables `cls` does not declare are ignored.
 *
 * @throws ConfigError naming every invalid variable and what was expected.
 */
export function parseEnv<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const problems: ConfigProblem[] = [];
  const plain: Record<string, unknown> = {};
  const defaults = new cls() as Record<string, unknown>;
  for (const variable of declaredVariables(cls, defaults)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const type = declaredType(cls, defaults, variable);
    if (type === Boolean) {
      // Implicit conversion would turn "false" into true (Boolean("false")), so booleans are read here.
      const flag = raw.trim().toLowerCase();
      if (TRUE.has(flag)) plain[variable] = true;
      else if (FALSE.has(flag)) plain[variable] = false;
      else problems.push({ variable, message: `${variable} must be true or false`, value: mask(variable, raw) });
    } else {
      // Implicit conversion needs design:type, which an inferred `X = 3000` does not emit.
      plain[variable] = type === Number && !hasDesignType(cls, variable) ? Number(raw) : raw;
    }
  }

  const config = plainToInstance(cls, plain, { enableImplicitConversion: true });
  const errors = validateSync(config, { stopAtFirstError: true, forbidUnknownValues: false });
  for (const error of errors) {
    const raw = env[error.property];
    problems.push({
      variable: error.property,
      message: Object.values(error.constraints ?? {}).join(', ') || `${error.property} is invalid`,
      value: raw === undefined || raw === '' ? undefined : mask(error.property, raw),
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Property names of `cls`: those with an initializer plus those carrying a class-validator decorator. */
function declaredVariables(cls: new () => object, defaults: object): string[] {
  const names = new Set(Object.keys(defaults));
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false)) {
    names.add(meta.propertyName);
  }
  return [...names];
}

function hasDesignType(cls: new () => object, variable: string): boolean {
  return Reflect.getMetadata('design:type', cls.prototype, variable) !== undefined;
}

/** The property's declared type, or the type of its default when no type is annotated. */
function declaredType(cls: new () => object, defaults: Record<string, unknown>, variable: string): unknown {
  if (hasDesignType(cls, variable)) return Reflect.getMetadata('design:type', cls.prototype, variable);
  const fallback = defaults[variable];
  if (typeof fallback === 'number') return Number;
  return typeof fallback === 'boolean' ? Boolean : undefined;
}

/** Keeps secrets out of error messages: hides secret-named values and URL passwords. */
function mask(variable: string, raw: string): string {
  if (SECRET_NAME.test(variable)) return '***';
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/?#\s]*@/i, '$1:***@');
}
