import { IssueWebhookBody } from './issue.dto';
import { MAX_COMMAND, MAX_EXPIRES_IN, MAX_PARAMS, MAX_REDIRECT, parseIssueRequest } from './issue-request';

/** Where @nestjs/swagger keeps a property's schema (its constants are not exported). */
const SWAGGER_PROPERTY = 'swagger/apiModelProperties';
const documented = (field: string): Record<string, unknown> => Reflect.getMetadata(SWAGGER_PROPERTY, IssueWebhookBody.prototype, field);

describe('IssueWebhookBody in the OpenAPI document', () => {
  it('documents as taking null every optional field the parser takes null for', () => {
    const optional = ['botId', 'userId', 'chatId', 'content', 'params', 'redirect', 'expiresIn', 'singleUse', 'mode', 'deadlineMs', 'user_id', 'chat_id', 'options', 'redirect_to'] as const;
    expect(() => parseIssueRequest({ command: '/c', ...Object.fromEntries(optional.map((name) => [name, null])) }, 10_000)).not.toThrow();
    // Nullable itself, or through a variant of its oneOf, or any JSON value (an untyped schema takes null).
    const takesNull = (schema: Record<string, unknown>): boolean =>
      schema.nullable === true || (schema.oneOf as Record<string, unknown>[] | undefined)?.some(takesNull) === true || (schema.anyOf as unknown[] | undefined)?.length === 1;
    for (const name of optional) expect([name, takesNull(documented(name))]).toEqual([name, true]);
  });

  it("documents the parser's bounds", () => {
    expect(documented('command')).toMatchObject({ minLength: 1, maxLength: MAX_COMMAND });
    expect(documented('redirect').maxLength).toBe(MAX_REDIRECT);
    expect(documented('expiresIn')).toMatchObject({ minimum: 1, maximum: MAX_EXPIRES_IN });
    expect(documented('params').maxProperties).toBe(MAX_PARAMS);
  });
});
