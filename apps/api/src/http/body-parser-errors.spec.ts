import { HttpException } from '@nestjs/common';
import { OrchError } from '@orch/contracts';
import { mapBodyParserError } from './body-parser-errors';

describe('body parser errors', () => {
  const parserError = (type: string, status: number) => Object.assign(new Error(`${type}!`), { type, status, expose: true });

  it('maps malformed JSON to decode_failed', () => {
    expect(mapBodyParserError(parserError('entity.parse.failed', 400), 1024)).toMatchObject({ code: 'decode_failed', status: 400 });
  });

  it('maps an oversized body to payload_too_large naming the limit', () => {
    const err = mapBodyParserError(parserError('entity.too.large', 413), 1024) as OrchError;
    expect(err).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(err.message).toContain('1024');
  });

  it('maps an unsupported charset to 415 and keeps other client errors', () => {
    expect((mapBodyParserError(parserError('charset.unsupported', 415), 1) as HttpException).getStatus()).toBe(415);
    expect((mapBodyParserError(parserError('request.aborted', 400), 1) as HttpException).getStatus()).toBe(400);
  });

  it('leaves other errors alone', () => {
    const other = new Error('boom');
    expect(mapBodyParserError(other, 1)).toBe(other);
  });
});
