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
 * cookie). The body is stored once, as its bytes; the credentials are sealed together. What the row's own
 * columns hold (the ids, the command, the receive time) is not stored again: the stored frame is the text
 * between the message's head and its tail, which are written out again from those columns when it is read.
 * Nor is the issued content, which the issued URL in the frame carries already: in the stored frame
 * `issuedContent` (and `content` of a call without a body) is a mark, read again from the URL's payload;
 * and the bot's id in the URL's path is a mark for the row's bot_id.
 */
export interface StoredMessage {
  /** The message's whole text, its holes marked by HOLE. */
  frame: string;
  /** The part of the frame a row stores, with the issued content and the URL's bot id marked. */
  stored: string;
  body: CallBody | null;
  /** The JSON text of each credential hole, in order. */
  secrets: string[];
}

/** The columns of an invocation that the message's head and tail repeat. */
export interface MessageColumns {
  id: string;
  webhook_id: string;
  bot_id: string;
  command: string;
  user_id: string | null;
  chat_id: string | null;
  received_at: Date;
}

function messageHead(invocationId: string, webhookId: string, botId: string, command: string, userId: string | null, chatId: string | null): string {
  return (
    `{"type":"webhook","invocationId":${JSON.stringify(invocationId)},"webhookId":${JSON.stringify(webhookId)},` +
    `"botId":${JSON.stringify(botId)},"command":${JSON.stringify(command)},"userId":${JSON.stringify(userId)},"chatId":${JSON.stringify(chatId)},`
  );
}

const messageTail = (receivedAt: Date) => `,"receivedAt":${JSON.stringify(receivedAt.toISOString())}}`;

/** JSON text never holds a raw control character (JSON.stringify escapes them), so this cannot be mistaken. */
const HOLE = '\u0001';
/** Where the stored frame leaves out a text of the issued content that the URL's payload holds. */
const ISSUED = '\u0002';
/** Where the stored frame leaves out the bot's id in the URL's path, which the row's bot_id holds. */
const BOT = '\u0003';
const SIGNATURE_LENGTH = 43;
const SECRET_HEADERS = ['authorization', 'cookie'];

/** The two texts of the issued content a message holds: `issuedContent`'s, and `content`'s when the call has no body. */
function issuedTexts(issued: unknown): { issuedContent: string; content: string } {
  if (issued === undefined) return { issuedContent: 'null', content: '""' };
  return { issuedContent: JSON.stringify(issued), content: JSON.stringify(typeof issued === 'string' ? issued : JSON.stringify(issued)) };
}

/**
 * The issued content, read from the issued URL in a stored frame: the base64url JSON payload that ends just
 * before the signature's hole (the first hole that follows a dot; the body's and the headers' follow a colon).
 */
function issuedFromFrame(frame: string): unknown {
  let hole = frame.indexOf(HOLE);
  while (hole !== -1 && frame.charCodeAt(hole - 1) !== 0x2e) hole = frame.indexOf(HOLE, hole + 1);
  if (hole === -1) throw new Error('a stored message has no issued URL to read its content from');
  const encoded = frame.slice(frame.lastIndexOf('.', hole - 2) + 1, hole - 1);
  const payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { o?: unknown };
  return 'o' in payload ? payload.o : undefined;
}

export function storedMessage(input: RuntimeMessageInput): StoredMessage {
  const { claims, body, url, signatureEnd } = input;
  const issued = issuedTexts(claims.content);
  const secrets = [url.slice(signatureEnd - SIGNATURE_LENGTH, signatureEnd)];
  // Escaping is per character, so the URL's text can be escaped in two pieces around the signature.
  const urlText = `${JSON.stringify(url.slice(0, signatureEnd - SIGNATURE_LENGTH)).slice(0, -1)}${HOLE}${JSON.stringify(url.slice(signatureEnd)).slice(1)}`;
  const bodyText = body === null ? '""' : HOLE;
  const head = messageHead(input.invocationId, claims.webhookId, claims.botId, claims.command, claims.userId, claims.chatId);
  // What a Bots.Business command reads as `content`: the request body, else what the URL was issued with.
  const content = body === null ? issued.content : HOLE;
  const options =
    `"method":${JSON.stringify(input.method)},"params":${JSON.stringify(input.params)},"headers":${headersText(input.headers, secrets)},` +
    `"ip":${JSON.stringify(input.ip)},"body":${bodyText}${body?.encoding === 'base64' ? ',"bodyEncoding":"base64"' : ''}}`;
  const frame = `${head}"content":${content},"issuedContent":${issued.issuedContent},"options":{"url":${urlText},${options}${messageTail(input.receivedAt)}`;
  const unissued = claims.content === undefined;
  const bot = urlText.lastIndexOf(`/${claims.botId}.`, urlText.indexOf(HOLE));
  const storedUrl = bot === -1 ? urlText : `${urlText.slice(0, bot + 1)}${BOT}${urlText.slice(bot + 1 + claims.botId.length)}`;
  // It begins with `"content":`, so that a stored frame never begins with `{` as a whole one does.
  const stored = `"content":${body === null && !unissued ? ISSUED : content},"issuedContent":${unissued ? 'null' : ISSUED},"options":{"url":${storedUrl},${options}`;
  return { frame, stored, body, secrets };
}

/** The part of the frame a row stores. */
export const storedFrame = (message: StoredMessage) => message.stored;

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
export function runtimeMessage({ frame, body, secrets }: Pick<StoredMessage, 'frame' | 'body' | 'secrets'>): string {
  const pieces = frame.split(HOLE);
  // An invocation stored before the body had a column of its own is its whole message.
  if (pieces.length === 1) return frame;
  const bodyText = body === null ? null : JSON.stringify(body.text);
  return filled(pieces, bodyText === null ? secrets : [bodyText, ...secrets, bodyText]);
}

/** The pieces of a text split at its marks, joined again with `fills` in the marks' places. */
function filled(pieces: string[], fills: string[]): string {
  if (fills.length !== pieces.length - 1) throw new Error('a stored message does not match its marks');
  let text = pieces[0];
  for (let i = 0; i < fills.length; i++) text += fills[i] + pieces[i + 1];
  return text;
}

/** What a row holds: the stored frame, the body's bytes, the sealed credentials, and the columns around them. */
export interface StoredRow extends MessageColumns {
  payload: string;
  body: Buffer | null;
  sealed: string | null;
}

/** The columns a StoredRow is read with, for a statement's select list (`i.` when `alias` is i). */
export const storedRowColumns = (alias = '') =>
  ['id', 'webhook_id', 'bot_id', 'command', 'user_id', 'chat_id', 'received_at', 'payload', 'body', 'sealed'].map((c) => alias + c).join(', ');

/**
 * Reads a row back; the body's bytes decide again, as on arrival, whether it travels as text or base64.
 * A row stored before its frame left out the columns' values holds the whole frame, which begins with `{`.
 */
export function readStoredMessage(row: StoredRow, box: SecretBox): string {
  const secrets = row.sealed === null ? [] : (JSON.parse(box.open(row.sealed)) as string[]);
  let frame =
    row.payload.charCodeAt(0) === 0x7b
      ? row.payload
      : messageHead(row.id, row.webhook_id, row.bot_id, row.command, row.user_id, row.chat_id) + row.payload + messageTail(row.received_at);
  const bot = frame.indexOf(BOT);
  if (bot !== -1) frame = frame.slice(0, bot) + row.bot_id + frame.slice(bot + 1);
  const pieces = frame.split(ISSUED);
  if (pieces.length > 1) {
    const issued = issuedTexts(issuedFromFrame(frame));
    // `issuedContent` is marked whenever the URL carried content, `content` before it when the call had no body.
    frame = filled(pieces, pieces.length === 2 ? [issued.issuedContent] : [issued.content, issued.issuedContent]);
  }
  return runtimeMessage({ frame, body: row.body === null ? null : readBody(row.body), secrets });
}

/** The columns written: the body as its bytes, the credentials sealed in one go. */
export function storableMessage(message: StoredMessage, box: SecretBox): { body: Buffer | null; sealed: string | null } {
  const body = message.body === null ? null : Buffer.from(message.body.text, message.body.encoding);
  return { body, sealed: message.secrets.length === 0 ? null : box.seal(JSON.stringify(message.secrets)) };
}
