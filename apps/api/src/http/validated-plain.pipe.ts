import { Injectable, PipeTransform } from '@nestjs/common';
import { validatePlain } from '@orch/contracts';

/**
 * Validates a body against a contracts class with `validatePlain` (every field
 * problem listed, unknown fields refused) and passes on the plain JSON itself,
 * so digests are computed over exactly what the client sent.
 */
@Injectable()
export class ValidatedPlainPipe<T extends object> implements PipeTransform<unknown, T> {
  constructor(private readonly cls: new () => T) {}

  transform(value: unknown): T {
    validatePlain(this.cls, value, 'request body');
    return value as T;
  }
}
