import { parseDispatchRequest, MAX_ID, MAX_TEXT } from '../dispatch-request';
import { DispatchBody, DispatchNodeBody } from './dispatch.dto';

/** Where @nestjs/swagger keeps a property's schema (its constants are not exported). */
const SWAGGER_PROPERTY = 'swagger/apiModelProperties';
const documented = (dto: object, field: string): Record<string, unknown> => Reflect.getMetadata(SWAGGER_PROPERTY, (dto as { prototype: object }).prototype, field);

describe('DispatchBody in the OpenAPI document', () => {
  it('documents as nullable every optional field the parser takes null for', () => {
    const optional = ['messageId', 'externalId', 'node', 'userAttributes', 'attributes'] as const;
    expect(() => parseDispatchRequest({ chatId: '1', userId: '2', ...Object.fromEntries(optional.map((name) => [name, null])) })).not.toThrow();
    for (const name of optional) expect([name, documented(DispatchBody, name).nullable]).toEqual([name, true]);
    for (const name of ['id', 'name']) expect(documented(DispatchNodeBody, name).nullable).toBe(true);
  });

  it("documents the parser's bounds", () => {
    expect(documented(DispatchBody, 'externalId').maxLength).toBe(MAX_TEXT);
    expect(documented(DispatchNodeBody, 'id').maxLength).toBe(MAX_TEXT);
    expect(documented(DispatchNodeBody, 'name').maxLength).toBe(MAX_TEXT);
    expect(documented(DispatchBody, 'chatId').description).toContain(`1..${MAX_ID} characters`);
  });
});
