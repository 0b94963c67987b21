import type { SecretBox } from '../../common/secret-box';
import { CallBody, readBody } from './call-body';
import type { WebhookClaims } from './webhook-claims';

export interface RuntimeMessageInput {
  invocationId: string;
  claims: WebhookClaims;
  url: string;
  /** Where in `url` the issued URL's signature ends (it is the 43 characters before). */
  signatureEnd: number;
  method: 'GET' | 'POST';
  params: Record<string, string | string[]>;
  headers: Record<string, string>;
  ip: string;
  body: CallBody | null;
  receivedAt: Date;
}

/**
 * The §3.4 message as it is stored: its JSON text with holes where the call's body goes (twice: `content`
 * and `options.body`) and where a credential goes (the URL's signature, the caller's authorization and
 * cookie). The body is stored once, as its bytes; the credentials are sealed together.
 */
export interface StoredMessage {
  /** The message's text, its holes marked by HOLE. */
  frame: string;
  body: CallBody | null;
  /** The JSON text of each credential hole, in order. */
  secrets: string[];
}

/** JSON text never holds a raw control character (JSON.stringify escapes them), so this cannot be mistaken. */
const HOLE = '\u0001';
const SIGNATURE_LENGTH = 43;
const SECRET_HEADERS = ['authorization', 'cookie'];

export function storedMessage(input: RuntimeMessageInput): StoredMessage {
  const { claims, body, url, signatureEnd } = input;
  const issued = claims.content;
  // What a Bots.Business command reads as `content`: the request body, else what the URL was issued with.
  const issuedText = issued === undefined ? '' : typeof issued === 'string' ? issued : JSON.stringify(issued);
  const secrets = [url.slice(signatureEnd - SIGNATURE_LENGTH, signatureEnd)];
  // Escaping is per character, so the URL's text can be escaped in two pieces around the signature.
  const urlText = `${JSON.stringify(url.slice(0, signatureEnd - SIGNATURE_LENGTH)).slice(0, -1)}${HOLE}${JSON.stringify(url.slice(signatureEnd)).slice(1)}`;
  const bodyText = body === null ? '""' : HOLE;
  const frame =
    `{"type":"webhook","invocationId":${JSON.stringify(input.invocationId)},"webhookId":${JSON.stringify(claims.webhookId)},` +
    `"botId":${JSON.stringify(claims.botId)},"command":${JSON.stringify(claims.command)},"userId":${JSON.stringify(claims.userId)},` +
    `"chatId":${JSON.stringify(claims.chatId)},"content":${body === null ? JSON.stringify(issuedText) : HOLE},` +
    `"issuedContent":${JSON.stringify(issued === undefined ? null : issued)},"options":{"url":${urlText},` +
    `"method":${JSON.stringify(input.method)},"params":${JSON.stringify(input.params)},"headers":${headersText(input.headers, secrets)},` +
    `"ip":${JSON.stringify(input.ip)},"body":${bodyText}${body?.encoding === 'base64' ? ',"bodyEncoding":"base64"' : ''}},` +
    `"receivedAt":${JSON.stringify(input.receivedAt.toISOString())}}`;
  return { frame, body, secrets };
}

/** Only a call that carries a credential header pays for writing its headers out one by one. */
function headersText(headers: Record<string, string>, secrets: string[]): string {
  if (!SECRET_HEADERS.some((name) => name in headers)) return JSON.stringify(headers);
  const parts: string[] = [];
  for (const name of Object.keys(headers)) {
    const value = JSON.stringify(headers[name]);
    if (SECRET_HEADERS.includes(name)) {
      secrets.push(value);
      parts.push(`${JSON.stringify(name)}:${HOLE}`);
    } else {
      parts.push(`${JSON.stringify(name)}:${value}`);
    }
  }
  return `{${parts.join(',')}}`;
}

/** The §3.4 body the runtime receives: the frame with its holes filled. */
export function runtimeMessage({ frame, body, secrets }: StoredMessage): string {
  const pieces = frame.split(HOLE);
  // An invocation stored before the body had a column of its own is its whole message.
  if (pieces.length === 1) return frame;
  const bodyText = body === null ? null : JSON.stringify(body.text);
  const fills = bodyText === null ? secrets : [bodyText, ...secrets, bodyText];
  if (fills.length !== pieces.length - 1) throw new Error('a stored message does not match its holes');
  let text = pieces[0];
  for (let i = 0; i < fills.length; i++) text += fills[i] + pieces[i + 1];
  return text;
}

/** What a row holds: the frame, the body's bytes and the sealed credentials. */
export interface StoredRow {
  payload: string;
  body: Buffer | null;
  sealed: string | null;
}

/** Reads a row back; the body's bytes decide again, as on arrival, whether it travels as text or base64. */
export function readStoredMessage(row: StoredRow, box: SecretBox): string {
  const secrets = row.sealed === null ? [] : (JSON.parse(box.open(row.sealed)) as string[]);
  return runtimeMessage({ frame: row.payload, body: row.body === null ? null : readBody(row.body), secrets });
}

/** The columns written: the body as its bytes, the credentials sealed in one go. */
export function storableMessage(message: StoredMessage, box: SecretBox): { body: Buffer | null; sealed: string | null } {
  const body = message.body === null ? null : Buffer.from(message.body.text, message.body.encoding);
  return { body, sealed: message.secrets.length === 0 ? null : box.seal(JSON.stringify(message.secrets)) };
}
