import type { CallBody } from './client-request';
import type { WebhookClaims } from './webhook-url';

export interface RuntimeMessageInput {
  invocationId: string;
  claims: WebhookClaims;
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string | string[]>;
  headers: Record<string, string>;
  ip: string;
  body: CallBody | null;
  receivedAt: Date;
}

/**
 * The body the runtime receives (contract §3.4), serialized once: this exact text is stored with the
 * invocation, signed, sent, and handed out by the pull queue.
 */
export function runtimeMessage(input: RuntimeMessageInput): string {
  const { claims, body } = input;
  const issued = claims.content;
  // What a Bots.Business command reads as `content`: the request body, else what the URL was issued with.
  const content = body !== null ? body.text : issued === undefined ? '' : typeof issued === 'string' ? issued : JSON.stringify(issued);
  const options: Record<string, unknown> = {
    url: input.url,
    method: input.method,
    params: input.params,
    headers: input.headers,
    ip: input.ip,
    body: body === null ? '' : body.text,
  };
  if (body?.encoding === 'base64') options.bodyEncoding = 'base64';
  return JSON.stringify({
    type: 'webhook',
    invocationId: input.invocationId,
    webhookId: claims.webhookId,
    botId: claims.botId,
    command: claims.command,
    userId: claims.userId,
    chatId: claims.chatId,
    content,
    issuedContent: issued === undefined ? null : issued,
    options,
    receivedAt: input.receivedAt.toISOString(),
  });
}
