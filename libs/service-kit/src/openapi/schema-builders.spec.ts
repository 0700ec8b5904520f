import { IsOptional, IsString, Matches } from 'class-validator';
import { classSchemaWith, objectSchema, orNull, pageSchema } from './schema-builders';

class LineSpec {
  @Matches(/^[a-z]+$/)
  name!: string;

  @IsOptional()
  @IsString()
  note?: string;
}

describe('schema builders', () => {
  interface View {
    id: string;
    note: string | null;
    extra?: number;
  }

  it('objectSchema requires every field of the interface but the optional ones, and stays open to additions', () => {
    const s = objectSchema<View>({ properties: { id: { type: 'string' }, note: orNull({ type: 'string' }), extra: { type: 'integer' } }, optional: ['extra'] });
    expect(s).toEqual({
      type: 'object',
      required: ['id', 'note'],
      properties: { id: { type: 'string' }, note: { type: ['string', 'null'] }, extra: { type: 'integer' } },
    });
  });

  it('orNull wraps a reference in anyOf with null', () => {
    expect(orNull({ $ref: '#/components/schemas/X' })).toEqual({ anyOf: [{ $ref: '#/components/schemas/X' }, { type: 'null' }] });
  });

  it('classSchemaWith extends a class\'s generated schema with the fields the server adds, open to additions', () => {
    const s = classSchemaWith<LineSpec, LineSpec & { seq: number }>(LineSpec, { properties: { seq: { type: 'integer' } } });
    expect(s).toMatchObject({ type: 'object', required: ['name', 'seq'], properties: { name: { pattern: '^[a-z]+$' }, seq: { type: 'integer' } } });
    expect(s).not.toHaveProperty('additionalProperties');
  });

  it('pageSchema is items plus a nullable next_page_token', () => {
    expect(pageSchema({ type: 'string' }, 'Names')).toMatchObject({ required: ['items', 'next_page_token'], properties: { next_page_token: { type: ['string', 'null'] } } });
  });
});
