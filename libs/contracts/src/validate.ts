import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { OrchError } from './errors';

type Ctor<T> = new () => T;

function flatten(errors: ValidationError[], parent = ''): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    for (const msg of Object.values(e.constraints ?? {})) out.push({ path, message: msg });
    if (e.children?.length) out.push(...flatten(e.children, path));
  }
  return out;
}

/**
 * Turns a plain object into a validated instance of `cls`, or throws an
 * {@link OrchError} `validation_failed` listing every problem. Unknown
 * properties are refused (`forbidNonWhitelisted`) so typos do not pass silently.
 */
export function validatePlain<T extends object>(cls: Ctor<T>, plain: unknown, what = cls.name): T {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new OrchError('validation', `${what}: expected a JSON object`);
  }
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(instance as object, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    const list = flatten(errors);
    throw new OrchError('validation', `${what}: ${list.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
      errors: list,
    });
  }
  return instance;
}

/** Parses JSON bytes/string, mapping a syntax error to `decode_failed`. */
export function parseJson(raw: Uint8Array | string, what = 'message'): unknown {
  const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new OrchError('decode', `${what} is not valid JSON`, { cause });
  }
}
