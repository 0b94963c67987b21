/*
 * The two sides of each comparison, set up the way their users would: bothooks through its public API
 * (a bot, its URLs, a connection), the reference through its seeded tables. Both get the same payloads.
 */
import type { Pool } from 'pg';
import type { RequestSpec } from './load';
import type { ReferenceSeed } from './reference-schema';

export const SCENARIOS = ['issue', 'receive-async', 'receive-sync', 'dispatch'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const EXPECTED_STATUS: Record<Scenario, number> = { issue: 201, 'receive-async': 202, 'receive-sync': 200, dispatch: 200 };

/** The scenarios the limit server serves: the two whose cost bothooks is measured against the least possible. */
export const LIMIT_SCENARIOS: readonly Scenario[] = ['receive-async', 'dispatch'];

export interface Side {
  name: 'bothooks' | 'reference' | 'limit';
  pid: number;
  requests: Partial<Record<Scenario, RequestSpec>>;
  /** What a user of the answer can rely on: one row committed per 2xx (issue writes nothing, so null). */
  committedRows(scenario: Scenario, db: Pool): Promise<number | null>;
}

const ISSUE_BODY = { command: '/onPayment', userId: 42, chatId: 42, content: { orderId: 'A-1001', plan: 'pro' }, mode: 'async', expiresIn: 86_400 };
const WEBHOOK_BODY = JSON.stringify({ event: 'payment.succeeded', orderId: 'A-1001', amount: 4900, currency: 'EUR' });
const DISPATCH_BODY = JSON.stringify({ chatId: 'chat-1001', userId: 'user-42', node: { id: 'n1', name: 'Ask backend' }, attributes: { plan: 'pro' } });
const JSON_HEADERS = { 'content-type': 'application/json' };

async function call(method: string, url: string, key: string, body?: unknown): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { ...JSON_HEADERS, authorization: `Bearer ${key}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

function requests(issueUrl: string, key: string, asyncUrl: string, syncUrl: string, dispatchUrl: string): Record<Scenario, RequestSpec> {
  const bearer = { ...JSON_HEADERS, authorization: `Bearer ${key}` };
  return {
    issue: { method: 'POST', url: issueUrl, headers: bearer, body: JSON.stringify(ISSUE_BODY), expectedStatus: EXPECTED_STATUS.issue },
    'receive-async': { method: 'POST', url: asyncUrl, headers: JSON_HEADERS, body: WEBHOOK_BODY, expectedStatus: EXPECTED_STATUS['receive-async'] },
    'receive-sync': { method: 'POST', url: syncUrl, headers: JSON_HEADERS, body: WEBHOOK_BODY, expectedStatus: EXPECTED_STATUS['receive-sync'] },
    dispatch: { method: 'POST', url: dispatchUrl, headers: bearer, body: DISPATCH_BODY, expectedStatus: EXPECTED_STATUS.dispatch },
  };
}

async function count(db: Pool, text: string, value: string): Promise<number> {
  const { rows } = await db.query(text, [value]);
  return Number(rows[0].count);
}

/**
 * The sync bot has the stub runtime as its runtimeUrl. The async URL belongs to a bot without one, so its
 * invocations wait in the pull queue and nothing is delivered behind the benchmark's back: the same work
 * as the reference's async path.
 */
export async function setUpBothooks(pid: number, baseUrl: string, adminKey: string, peers: { runtimeUrl: string; backendUrl: string }): Promise<Side> {
  const syncBot = await call('POST', `${baseUrl}/v1/bots`, adminKey, { name: 'bench sync', runtimeUrl: peers.runtimeUrl });
  const pullBot = await call('POST', `${baseUrl}/v1/bots`, adminKey, { name: 'bench pull' });
  const asyncHook = await call('POST', `${baseUrl}/v1/webhooks`, pullBot.apiKey, { ...ISSUE_BODY, mode: 'async' });
  const syncHook = await call('POST', `${baseUrl}/v1/webhooks`, syncBot.apiKey, { ...ISSUE_BODY, mode: 'sync' });
  const connection = await call('POST', `${baseUrl}/v2/integrations/webhook`, adminKey, { storyId: syncBot.id, name: 'bench backend', url: peers.backendUrl });
  return {
    name: 'bothooks',
    pid,
    requests: requests(`${baseUrl}/v1/webhooks`, syncBot.apiKey, asyncHook.url, syncHook.url, `${baseUrl}/v2/integrations/webhook/${connection.id}/dispatch`),
    async committedRows(scenario, db) {
      switch (scenario) {
        case 'issue':
          return null;
        case 'receive-async':
          return count(db, `SELECT count(*) FROM invocations WHERE webhook_id = $1`, asyncHook.webhookId);
        case 'receive-sync':
          return count(db, `SELECT count(*) FROM invocations WHERE webhook_id = $1 AND status = 'answered'`, syncHook.webhookId);
        case 'dispatch':
          return count(db, `SELECT count(*) FROM connection_deliveries WHERE connection_id = $1 AND status = 'succeeded'`, connection.id);
      }
    },
  };
}

export async function setUpReference(pid: number, baseUrl: string, seed: ReferenceSeed): Promise<Side> {
  const asyncHook = await call('POST', `${baseUrl}/v1/webhooks`, seed.apiKey, { ...ISSUE_BODY, mode: 'async' });
  const syncHook = await call('POST', `${baseUrl}/v1/webhooks`, seed.apiKey, { ...ISSUE_BODY, mode: 'sync' });
  return {
    name: 'reference',
    pid,
    requests: requests(`${baseUrl}/v1/webhooks`, seed.apiKey, asyncHook.url, syncHook.url, `${baseUrl}/v2/integrations/webhook/${seed.connectionId}/dispatch`),
    async committedRows(scenario, db) {
      switch (scenario) {
        case 'issue':
          return null;
        case 'receive-async':
          return count(db, `SELECT count(*) FROM ref_invocations WHERE webhook_id = $1`, asyncHook.webhookId);
        case 'receive-sync':
          return count(db, `SELECT count(*) FROM ref_invocations WHERE webhook_id = $1 AND status = 'answered'`, syncHook.webhookId);
        case 'dispatch':
          return count(db, `SELECT count(*) FROM ref_deliveries WHERE connection_id = $1 AND status = 'succeeded'`, seed.connectionId);
      }
    },
  };
}

export interface LimitPeers {
  url: string;
  asyncUrl: string;
  apiKey: string;
  connectionId: string;
}

export function setUpLimit(pid: number, limit: LimitPeers): Side {
  const bearer = { ...JSON_HEADERS, authorization: `Bearer ${limit.apiKey}` };
  const dispatchUrl = `${limit.url}/v2/integrations/webhook/${limit.connectionId}/dispatch`;
  const webhookId = JSON.parse(Buffer.from(new URL(limit.asyncUrl).pathname.split('.')[2], 'base64url').toString('utf8')).i as string;
  return {
    name: 'limit',
    pid,
    requests: {
      'receive-async': { method: 'POST', url: limit.asyncUrl, headers: JSON_HEADERS, body: WEBHOOK_BODY, expectedStatus: EXPECTED_STATUS['receive-async'] },
      dispatch: { method: 'POST', url: dispatchUrl, headers: bearer, body: DISPATCH_BODY, expectedStatus: EXPECTED_STATUS.dispatch },
    },
    async committedRows(scenario, db) {
      if (scenario === 'receive-async') return count(db, `SELECT count(*) FROM limit_invocations WHERE webhook_id = $1`, webhookId);
      if (scenario === 'dispatch') return count(db, `SELECT count(*) FROM limit_deliveries WHERE connection_id = $1 AND status = 'succeeded'`, limit.connectionId);
      return null;
    },
  };
}

/** One request per scenario before any load, checking the answer is the one the contract promises. */
export async function checkAnswers(side: Side): Promise<void> {
  for (const scenario of SCENARIOS) {
    const spec = side.requests[scenario];
    if (!spec) continue;
    const res = await fetch(spec.url, { method: spec.method, headers: spec.headers, body: spec.body });
    const text = await res.text();
    const body = JSON.parse(text);
    const ok =
      res.status === spec.expectedStatus &&
      {
        issue: () => typeof body.url === 'string' && typeof body.webhookId === 'string',
        'receive-async': () => body.accepted === true && typeof body.invocationId === 'string',
        'receive-sync': () => body.answer === 'ok' && body.messages?.[0] === 'ok',
        dispatch: () => body.responses?.[0]?.message === 'hi' && body.responses[0].delay === 1000,
      }[scenario]();
    if (!ok) throw new Error(`${side.name} ${scenario}: unexpected answer ${res.status} ${text}`);
  }
}
