import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/*
 * The reference servers' own tables, beside bothooks' in the bench database. They hold what a hand-written
 * service would keep for the same four endpoints, with the indexes it would need to list its rows.
 */
const SCHEMA = [
  `CREATE TABLE ref_bots (
    id varchar(24) PRIMARY KEY,
    url_key text NOT NULL,
    runtime_url text,
    signing_secret text NOT NULL
  )`,
  `CREATE TABLE ref_api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    bot_id varchar(24) NOT NULL REFERENCES ref_bots(id) ON DELETE CASCADE,
    key_hash varchar(64) NOT NULL UNIQUE,
    revoked_at timestamptz
  )`,
  `CREATE TABLE ref_invocations (
    id uuid PRIMARY KEY,
    webhook_id uuid NOT NULL,
    bot_id varchar(24) NOT NULL REFERENCES ref_bots(id) ON DELETE CASCADE,
    command varchar(256) NOT NULL,
    user_id varchar(64),
    chat_id varchar(64),
    method varchar(4) NOT NULL,
    status varchar(9) NOT NULL,
    payload text NOT NULL,
    http_status integer,
    answer text,
    error text,
    received_at timestamptz NOT NULL,
    finished_at timestamptz
  )`,
  `CREATE INDEX ref_invocations_bot_page ON ref_invocations (bot_id, received_at DESC)`,
  `CREATE TABLE ref_connections (
    id varchar(24) PRIMARY KEY,
    bot_id varchar(24) NOT NULL REFERENCES ref_bots(id) ON DELETE CASCADE,
    name varchar(128) NOT NULL,
    url varchar(1024) NOT NULL,
    signing_secret text NOT NULL,
    timeout_ms integer NOT NULL
  )`,
  `CREATE TABLE ref_deliveries (
    id uuid PRIMARY KEY,
    connection_id varchar(24) NOT NULL REFERENCES ref_connections(id) ON DELETE CASCADE,
    status varchar(16) NOT NULL,
    http_status integer,
    duration_ms integer NOT NULL,
    request_body text NOT NULL,
    response_body text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX ref_deliveries_page ON ref_deliveries (connection_id, created_at DESC)`,
];

export interface ReferenceSeed {
  botId: string;
  apiKey: string;
  connectionId: string;
}

const objectId = (): string => randomBytes(12).toString('hex');

/** Creates the tables and one bot with a key, its runtime and one connection to the backend. */
export async function createReferenceSchema(pool: Pool, peers: { runtimeUrl: string; backendUrl: string }): Promise<ReferenceSeed> {
  for (const statement of SCHEMA) await pool.query(statement);
  const seed: ReferenceSeed = { botId: objectId(), apiKey: `ref_${randomBytes(32).toString('base64url')}`, connectionId: objectId() };
  await pool.query(`INSERT INTO ref_bots (id, url_key, runtime_url, signing_secret) VALUES ($1, $2, $3, $4)`, [
    seed.botId,
    randomBytes(32).toString('base64'),
    peers.runtimeUrl,
    `whsec_${randomBytes(32).toString('base64')}`,
  ]);
  await pool.query(`INSERT INTO ref_api_keys (bot_id, key_hash) VALUES ($1, $2)`, [seed.botId, createHash('sha256').update(seed.apiKey).digest('hex')]);
  await pool.query(`INSERT INTO ref_connections (id, bot_id, name, url, signing_secret, timeout_ms) VALUES ($1, $2, $3, $4, $5, 10000)`, [
    seed.connectionId,
    seed.botId,
    'bench backend',
    peers.backendUrl,
    `whsec_${randomBytes(32).toString('base64')}`,
  ]);
  return seed;
}
