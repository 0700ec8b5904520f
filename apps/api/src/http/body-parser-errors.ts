import { HttpException, UnsupportedMediaTypeException } from '@nestjs/common';
import { OrchError } from '@orch/contracts';

/**
 * The shape of errors raised by express's body parsers: http-errors with a
 * `type`, or a decompression stream's error (zlib's `errno`, no `type`) given
 * a status by the parser.
 */
interface BodyParserError {
  status: number;
  type?: string;
  errno?: number;
  message: string;
  expose?: boolean;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  const e = err as Partial<BodyParserError> | null;
  return typeof e === 'object' && e !== null && typeof e.status === 'number' && (typeof e.type === 'string' || typeof e.errno === 'number');
}

/**
 * Turns an error of express's body parser into one the ProblemJsonFilter maps to a
 * stable code: malformed JSON or a body that does not decompress → `decode_failed` (400), over the limit →
 * `payload_too_large` (413), unsupported charset/encoding → 415, other client
 * errors keep their status. Anything else is returned unchanged.
 */
export function mapBodyParserError(err: unknown, maxBodyBytes: number): unknown {
  if (!isBodyParserError(err)) return err;
  if (err.type === undefined) {
    return new OrchError('decode', `request body could not be decompressed as its Content-Encoding says: ${err.message}`, { cause: err });
  }
  switch (err.type) {
    case 'entity.parse.failed':
      return new OrchError('decode', `request body is not valid JSON: ${err.message}`, { cause: err });
    case 'entity.too.large':
      return new OrchError('payloadTooLarge', `request body exceeds ${maxBodyBytes} bytes`, { cause: err });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeException(err.message, { cause: err });
    default:
      if (err.status >= 400 && err.status < 500) return new HttpException(err.expose ? err.message : 'bad request body', err.status, { cause: err });
      return err;
  }
}
