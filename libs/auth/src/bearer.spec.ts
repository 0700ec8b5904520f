import { BearerError, extractBearerToken, TOKEN_MAX_LENGTH } from './bearer';

const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln';

function refusal(fn: () => unknown): BearerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BearerError);
    return err as BearerError;
  }
  throw new Error('expected a refusal');
}

describe('extractBearerToken', () => {
  const from = (authorization: string | undefined, query: Record<string, unknown> = {}, allowQueryToken = false) =>
    extractBearerToken({ authorization, query, allowQueryToken });

  it('reads Authorization: Bearer, case-insensitively', () => {
    expect(from(`Bearer ${JWT}`)).toBe(JWT);
    expect(from(`bearer  ${JWT} `)).toBe(JWT);
  });

  it('tells "no token" (no error= in the challenge) from "bad token"', () => {
    expect(refusal(() => from(undefined))).toMatchObject({ code: 'unauthorized', status: 401, tokenSent: false });
    expect(refusal(() => from('Basic dXNlcjpwYXNz'))).toMatchObject({ tokenSent: true, message: 'Authorization must be "Bearer <token>"' });
    expect(refusal(() => from('Bearer not-a-jwt'))).toMatchObject({ tokenSent: true, message: 'invalid token: not a JWT in compact form' });
    expect(refusal(() => from(`Bearer ${'a'.repeat(TOKEN_MAX_LENGTH)}.b.c`)).message).toMatch(/longer than/);
  });

  it('takes ?access_token= only where the route allows it, and never together with the header', () => {
    expect(from(undefined, { access_token: JWT }, true)).toBe(JWT);
    expect(refusal(() => from(undefined, { access_token: JWT }, false)).message).toMatch(/accepted only on stream routes/);
    expect(refusal(() => from(`Bearer ${JWT}`, { access_token: JWT }, true)).message).toMatch(/not both/);
    expect(refusal(() => from(undefined, { access_token: [JWT, JWT] }, true)).message).toMatch(/once/);
    expect(refusal(() => from(undefined, { access_token: '' }, true))).toMatchObject({ tokenSent: false });
  });
});
