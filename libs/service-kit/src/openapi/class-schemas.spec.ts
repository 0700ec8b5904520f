import { Type } from 'class-transformer';
import { ArrayMaxSize, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import { classValidatorSchemas, mergeSchemas } from './class-schemas';

const IsColour = () => ValidateBy({ name: 'isColour', validator: { validate: (v: unknown) => v === 'red' || v === 'blue' } });

class SpecItem {
  @Matches(/^[a-z]+$/)
  name!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  weight?: number | null;
}

class SpecOrder {
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => SpecItem)
  items!: SpecItem[];

  @IsOptional()
  @IsColour()
  colour?: string;

  @ValidateIf((o: SpecOrder) => o.note !== undefined)
  @IsString()
  note?: string;
}

class Undecorated {
  name!: string;
}

describe('classValidatorSchemas', () => {
  const schemas = classValidatorSchemas({ classes: [SpecOrder], converters: { isColour: { type: 'string', enum: ['red', 'blue'] } } });

  it('generates the listed class and every class it references, refusing unknown properties as validatePlain does', () => {
    expect(Object.keys(schemas).sort()).toEqual(['SpecItem', 'SpecOrder']);
    expect(schemas['SpecOrder']).toMatchObject({
      type: 'object',
      required: ['items'],
      additionalProperties: false,
      properties: { items: { type: 'array', maxItems: 10, items: { $ref: '#/components/schemas/SpecItem' } } },
    });
    expect(schemas['SpecItem']).toMatchObject({ required: ['name'], additionalProperties: false, properties: { name: { type: 'string', pattern: '^[a-z]+$' } } });
  });

  it('marks @IsOptional properties nullable (null passes validation like an absent field), not @ValidateIf ones', () => {
    expect(schemas['SpecItem'].properties?.['weight']).toEqual({ type: 'integer', minimum: 0, maximum: 9, nullable: true });
    expect(schemas['SpecOrder'].properties?.['note']).toEqual({ type: 'string' });
  });

  it('describes custom constraints with the converters given', () => {
    expect(schemas['SpecOrder'].properties?.['colour']).toEqual({ type: 'string', enum: ['red', 'blue'], nullable: true });
  });

  it('refuses a class without validation decorators, which would be documented as an empty object', () => {
    expect(() => classValidatorSchemas({ classes: [Undecorated] })).toThrow(/Undecorated has no class-validator decorators/);
  });
});

describe('mergeSchemas', () => {
  it('replaces the placeholders @nestjs/swagger makes for body classes, and refuses a real clash', () => {
    const components: Record<string, unknown> = { schemas: { SpecOrder: { type: 'object', properties: {} }, Problem: { type: 'object', required: ['code'] } } };
    mergeSchemas(components, { SpecOrder: { type: 'object', required: ['items'] } });
    expect((components['schemas'] as Record<string, unknown>)['SpecOrder']).toEqual({ type: 'object', required: ['items'] });
    expect(() => mergeSchemas(components, { Problem: { type: 'string' } })).toThrow('OpenAPI schema Problem is defined twice');
  });
});
