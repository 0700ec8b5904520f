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

/** Deepest nesting of objects and arrays a validated message may have (the message itself is level 1). */
export const MAX_JSON_DEPTH = 512;

/**
 * Keys refused at any depth: the names of `Object.prototype`'s members.
 * class-transformer cannot carry them: it silently drops `__proto__`,
 * `toString`, `valueOf`, `hasOwnProperty` … (a job would be stored without
 * them, an unknown field would pass) and fails on `constructor` (a 500). They
 * are also the keys of prototype-pollution attempts.
 */
const REFUSED_KEYS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * The first structural problem of a JSON value: nesting deeper than
 * {@link MAX_JSON_DEPTH} (class-transformer recurses and overflows the stack),
 * a {@link REFUSED_KEYS} key, or a number JSON.parse made infinite (`1e400`:
 * re-serialized it silently becomes null, digests refuse it). Walks
 * iteratively, so any depth is safe.
 */
function structureProblem(plain: object): { path: string; message: string } | undefined {
  const stack: { value: object; depth: number; path: string }[] = [{ value: plain, depth: 1, path: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, depth, path } = next;
    if (depth > MAX_JSON_DEPTH) {
      return { path: path.length > 200 ? `${path.slice(0, 200)}…` : path, message: `a value nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels` };
    }
    const isArray = Array.isArray(value);
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      const refused = !isArray && REFUSED_KEYS.has(key);
      const infinite = typeof child === 'number' && !Number.isFinite(child);
      if (!refused && !infinite && (child === null || typeof child !== 'object')) continue;
      const childPath = path ? `${path}.${key}` : key;
      if (refused) return { path: childPath, message: `property ${key} is not allowed at any depth (a name of Object.prototype)` };
      if (infinite) return { path: childPath, message: `${childPath} is a number out of range (JSON has no Infinity)` };
      stack.push({ value: child as object, depth: depth + 1, path: childPath });
    }
  }
  return undefined;
}

/**
 * Turns a plain object into a validated instance of `cls`, or throws an
 * {@link OrchError} `validation_failed` listing every problem. Unknown
 * properties are refused (`forbidNonWhitelisted`) so typos do not pass silently;
 * so are structures class-transformer cannot carry (see {@link structureProblem}).
 */
export function validatePlain<T extends object>(cls: Ctor<T>, plain: unknown, what = cls.name): T {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new OrchError('validation', `${what}: expected a JSON object`);
  }
  const structure = structureProblem(plain);
  if (structure) throw new OrchError('validation', `${what}: ${structure.message}`, { errors: [structure] });
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
