import { SecretBox } from '../common/secret-box';
import { StandardWebhookSigner } from '../common/signing';
import type { Verification } from './connection.entity';

const REDACTED = '[redacted]';

/** A connection row as the dispatch path reads it: secrets still sealed. */
export interface ConnectionRow {
  id: string;
  bot_id: string;
  name: string;
  url: string;
  token: string | null;
  headers: string | null;
  auth: string | null;
  timeout_ms: number;
  verification: Verification;
  signing_secret: string;
}

/**
 * Everything a dispatch needs, worked out once per cache fill rather than per call: secrets opened, the
 * target URL with its token, the fixed headers, their redacted twin for the delivery record, and a signer
 * whose key is already decoded.
 */
export interface PreparedConnection {
  id: string;
  botId: string;
  name: string;
  verification: Verification;
  timeoutMs: number;
  url: string;
  redactedUrl: string;
  headers: Readonly<Record<string, string>>;
  recordedHeaders: Readonly<Record<string, string>>;
  signer: StandardWebhookSigner;
}

/** Adds an already-encoded query string to a URL, keeping whatever query it has. */
export function appendQuery(url: string, query: string): string {
  const target = new URL(url);
  target.search = target.search ? `${target.search}&${query}` : `?${query}`;
  return target.toString();
}

function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export interface BasicAuth {
  username: string;
  password: string;
}

/**
 * What a connection adds to every request it makes, dispatch and handshake alike: a backend behind Basic
 * auth or an API-key header refuses the handshake GET just as it would a dispatch without them.
 */
export function connectionHeaders(custom: Readonly<Record<string, string>> | null | undefined, auth: BasicAuth | null | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...custom };
  if (auth) headers.authorization = basicAuthorization(auth.username, auth.password);
  return headers;
}

export function prepareConnection(row: ConnectionRow, secrets: SecretBox): PreparedConnection {
  const token = row.token === null ? null : secrets.open(row.token);
  const custom = row.headers === null ? {} : (JSON.parse(secrets.open(row.headers)) as Record<string, string>);
  const auth = row.auth === null ? null : (JSON.parse(secrets.open(row.auth)) as BasicAuth);

  const headers: Record<string, string> = { 'content-type': 'application/json', ...connectionHeaders(custom, auth) };
  const recordedHeaders: Record<string, string> = { 'content-type': 'application/json' };
  for (const name of Object.keys(custom)) recordedHeaders[name] = REDACTED;
  if (auth) recordedHeaders.authorization = REDACTED;
  return {
    id: row.id,
    botId: row.bot_id,
    name: row.name,
    verification: row.verification,
    timeoutMs: row.timeout_ms,
    url: token === null ? row.url : appendQuery(row.url, `token=${encodeURIComponent(token)}`),
    redactedUrl: token === null ? row.url : appendQuery(row.url, `token=${REDACTED}`),
    headers: Object.freeze(headers),
    recordedHeaders: Object.freeze(recordedHeaders),
    signer: new StandardWebhookSigner(secrets.open(row.signing_secret)),
  };
}
