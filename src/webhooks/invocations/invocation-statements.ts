/* The statements that write calls of issued URLs: recorded in batches, and sync calls settled. */

/**
 * One statement per batch of calls, and so one round trip and one commit: it checks that the bot still
 * exists, that the URL key has not been rotated out and the URL not revoked, looks the idempotency key
 * up, and writes the calls that pass. A call takes its URL's single use first, then its idempotency key,
 * and is inserted only when it got both, so that nothing is half-written: both are primary keys of small
 * tables of their own (a partitioned table cannot have a unique index without its partition key), and
 * their ON CONFLICT settles races, including between calls in the same batch. A key past its 24 h is
 * taken over in place; its time is the call's, like everything else the call is judged by.
 *
 * The statement reads no invocation: a replay is known by its idempotency key alone, and the earlier call
 * is read afterwards by its primary key, for replays only. Reading invocations here would make every batch
 * plan, and lock, each day partition and its indexes, for a join that almost never finds a row.
 *
 * The message frames travel as one JSON array, not a text[]: pg builds an array parameter by escaping
 * every element into new strings, which for the frames was a large share of what the receive path
 * allocated. The bodies go as a bytea[], which pg writes out in hex without escaping anything, so a body
 * is never escaped into JSON on its way to the table. The other columns stay arrays, whose lengths the
 * planner sees.
 */
export const RECORD = `
  WITH input AS (
    SELECT t.*, p.payload
    FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::int[], $5::varchar[], $6::varchar[], $7::varchar[],
                $8::varchar[], $9::varchar[], $11::bool[], $12::varchar[], $13::timestamptz[], $14::bytea[], $15::text[], $16::timestamptz[])
      WITH ORDINALITY AS t(id, webhook_id, bot_id, key_version, command, user_id, chat_id, method, mode, single_use, idempotency_key, received_at, body, sealed, url_expires_at, ord)
    JOIN json_array_elements_text($10::json) WITH ORDINALITY AS p(payload, ord) ON p.ord = t.ord
  ),
  checked AS (
    SELECT i.*, b.runtime_url, b.signing_secret,
      CASE
        WHEN b.id IS NULL THEN 'bot_gone'
        WHEN k.version IS NULL OR k.retires_at <= now() THEN 'key_retired'
        WHEN EXISTS (SELECT 1 FROM revoked_webhooks r WHERE r.webhook_id = i.webhook_id AND (r.bot_id IS NULL OR r.bot_id = i.bot_id)) THEN 'revoked'
        WHEN ik.invocation_id IS NOT NULL THEN 'replay'
        ELSE 'new'
      END AS verdict,
      CASE WHEN b.runtime_url IS NULL THEN 'pull' WHEN i.mode IN ('sync', 'auto') THEN 'sync' ELSE 'push' END AS route,
      ik.invocation_id AS earlier_id, ik.received_at AS earlier_received_at
    FROM input i
    LEFT JOIN bots b ON b.id = i.bot_id
    LEFT JOIN url_keys k ON k.bot_id = i.bot_id AND k.version = i.key_version
    LEFT JOIN idempotency_keys ik ON ik.webhook_id = i.webhook_id AND ik.key = i.idempotency_key AND ik.expires_at > i.received_at
  ),
  claimed AS (
    INSERT INTO single_use_claims (webhook_id, invocation_id, bot_id, expires_at)
    SELECT webhook_id, id, bot_id, url_expires_at FROM checked WHERE verdict = 'new' AND single_use
    ON CONFLICT DO NOTHING
    RETURNING invocation_id
  ),
  keyed AS (
    INSERT INTO idempotency_keys AS k (webhook_id, key, invocation_id, received_at, expires_at)
    SELECT DISTINCT ON (webhook_id, idempotency_key) webhook_id, idempotency_key, id, received_at, received_at + interval '24 hours'
      FROM checked
     WHERE verdict = 'new' AND idempotency_key IS NOT NULL AND (NOT single_use OR id IN (SELECT invocation_id FROM claimed))
     ORDER BY webhook_id, idempotency_key, ord
    ON CONFLICT (webhook_id, key) DO UPDATE SET invocation_id = excluded.invocation_id, received_at = excluded.received_at, expires_at = excluded.expires_at
      WHERE k.expires_at <= excluded.received_at
    RETURNING invocation_id
  ),
  inserted AS (
    INSERT INTO invocations (id, webhook_id, bot_id, command, user_id, chat_id, method, mode, route, status, payload, body, sealed, received_at, next_attempt_at)
    SELECT id, webhook_id, bot_id, command, user_id, chat_id, method, mode, route,
           CASE route WHEN 'sync' THEN 'received' ELSE 'queued' END,
           payload, body, sealed, received_at,
           CASE route WHEN 'push' THEN received_at END
    FROM checked
    WHERE verdict = 'new'
      AND (NOT single_use OR id IN (SELECT invocation_id FROM claimed))
      AND (idempotency_key IS NULL OR id IN (SELECT invocation_id FROM keyed))
    RETURNING id
  )
  SELECT CASE WHEN c.verdict = 'new' AND n.id IS NULL THEN 'conflict' ELSE c.verdict END AS verdict,
    c.route, c.runtime_url, CASE WHEN c.route = 'sync' THEN c.signing_secret END AS signing_secret,
    c.earlier_id, c.earlier_received_at
  FROM checked c LEFT JOIN inserted n ON n.id = c.id
  ORDER BY c.ord`;

/**
 * A failed sync call gives back its idempotency key, so that the caller may retry; its single use only
 * when the request never reached the runtime (§3.2: single use means the runtime saw it once). Each
 * settlement names its row by (id, received_at), the invocation's primary key, so it reads one partition.
 */
export const SETTLE_SYNC = `
  WITH u AS (
    SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::int[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::jsonb[], $9::text[], $10::bool[],
                         $11::timestamptz[], $12::uuid[], $13::varchar[])
      AS u(id, status, http_status, answer, error, finished_at, reply_status, reply_headers, reply_body, gives_back_use, received_at, webhook_id, idempotency_key)
  ),
  released_keys AS (
    DELETE FROM idempotency_keys k USING u
     WHERE u.status = 'failed' AND k.webhook_id = u.webhook_id AND k.key = u.idempotency_key AND k.invocation_id = u.id
  ),
  released_uses AS (
    DELETE FROM single_use_claims c USING u WHERE u.gives_back_use AND c.webhook_id = u.webhook_id AND c.invocation_id = u.id
  )
  UPDATE invocations AS i SET
    status = u.status, http_status = u.http_status, answer = u.answer, error = u.error,
    attempts = i.attempts + 1, finished_at = u.finished_at,
    reply_status = u.reply_status, reply_headers = u.reply_headers, reply_body = u.reply_body
  FROM u
  WHERE i.id = u.id AND i.received_at = u.received_at`;
