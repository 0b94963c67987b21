import { MigrationInterface, QueryRunner } from 'typeorm';

/** Days created past today, so that a maintenance job that stops for a few days stops nothing else. */
const DAYS_AHEAD = 7;

const INVOCATION_COLUMNS = `id, webhook_id, bot_id, command, user_id, chat_id, method, route, status, payload, body, sealed,
  http_status, answer, error, reply_status, reply_headers, reply_body, attempts, retry_step, next_attempt_at, update_id, received_at, finished_at`;
const DELIVERY_COLUMNS = `id, connection_id, bot_id, status, http_status, duration_ms, error, request_url, request_headers, request_body, response_body, created_at`;

/** The name of the column `parent` is partitioned by (in the functions below, `parent` is their argument). */
export const PARTITION_KEY = `(SELECT a.attname FROM pg_partitioned_table p JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
  WHERE p.partrelid = parent::regclass)`;

/** drop_day_partitions as this migration made it (a later one replaced it; its down() makes it again). */
export const DROP_DAY_PARTITIONS = `
  CREATE FUNCTION drop_day_partitions(parent text, before date) RETURNS integer LANGUAGE plpgsql AS $$
  DECLARE
    part record;
    dropped integer := 0;
    key text := ${PARTITION_KEY};
  BEGIN
    PERFORM set_config('lock_timeout', '200ms', true);
    FOR part IN
      SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = parent::regclass AND c.relname ~ ('^' || parent || '_p[0-9]{8}$')
         AND to_date(right(c.relname, 8), 'YYYYMMDD') < before
       ORDER BY c.relname
    LOOP
      BEGIN
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
      EXCEPTION WHEN lock_not_available THEN
        RAISE WARNING 'partition % is busy, dropped on a later run', part.relname;
      END;
    END LOOP;
    EXECUTE format('DELETE FROM %I WHERE %I < $1', parent || '_default', key) USING before::timestamp AT TIME ZONE 'UTC';
    RETURN dropped;
  END $$`;

export class Partitions1763700600000 implements MigrationInterface {
  name = 'Partitions1763700600000';

  async up(q: QueryRunner): Promise<void> {
    // Retention drops whole days instead of deleting rows: each big table is split by its time column into
    // one partition per UTC day, named <table>_pYYYYMMDD. The maintenance job and this migration create
    // them with the function below. A row whose day has no partition yet (a host's clock far off, the job
    // stopped for over a week) lands in <table>_default instead of failing the call; creating that day's
    // partition later moves it there, in the same statement.
    await q.query(`
      CREATE FUNCTION create_day_partition(parent text, day date) RETURNS boolean LANGUAGE plpgsql AS $$
      DECLARE
        part text := parent || '_p' || to_char(day, 'YYYYMMDD');
        low timestamptz := day::timestamp AT TIME ZONE 'UTC';
        high timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
        key text := ${PARTITION_KEY};
      BEGIN
        IF to_regclass(part) IS NOT NULL THEN RETURN false; END IF;
        PERFORM set_config('lock_timeout', '1s', true);
        -- ATTACH, unlike CREATE TABLE ... PARTITION OF, leaves the parent open to inserts meanwhile.
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                       parent || '_default', key, key, part) USING low, high;
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, low, high);
        RETURN true;
      END $$`);
    // Drops every day partition wholly before \`before\`, and what the default partition holds from then.
    // Dropping a partition takes the parent's exclusive lock, so it waits for the queries running on it
    // and every new one waits behind it: a short lock timeout keeps that wait short, and a partition it
    // could not drop is dropped on the next run. (DETACH ... CONCURRENTLY would not block at all, but
    // Postgres refuses it on a table with a default partition, and runs it only outside a transaction.)
    await q.query(DROP_DAY_PARTITIONS);

    // The single use of a URL and its idempotency keys were unique indexes on invocations, which a
    // partitioned table cannot have (a unique index must include the partition key). Each is a small table
    // of its own, written in the statement that writes the invocation and removed once it can matter no more.
    // A claim lasts as long as the URL can be called (expires_at NULL: the URL never expires).
    await q.query(`
      CREATE TABLE single_use_claims (
        webhook_id uuid PRIMARY KEY,
        invocation_id uuid NOT NULL,
        bot_id varchar(24) NOT NULL,
        expires_at timestamptz
      )`);
    await q.query(`CREATE INDEX single_use_claims_expiry ON single_use_claims (expires_at) WHERE expires_at IS NOT NULL`);
    await q.query(`CREATE INDEX single_use_claims_bot_id ON single_use_claims (bot_id)`);
    // An idempotency key replays its first call for 24 h (§3.2); received_at finds that call's partition.
    await q.query(`
      CREATE TABLE idempotency_keys (
        webhook_id uuid NOT NULL,
        key varchar(255) NOT NULL,
        invocation_id uuid NOT NULL,
        received_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (webhook_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)`);
    // A tombstone goes once the URL it stops can no longer be called. Issued URLs are not stored, so its
    // expiry is learnt from the URL itself when a call of it is refused ('infinity': it never expires);
    // key_version, the bot's newest URL key when it was revoked, lets it go too once every key that can
    // have signed the URL is rotated out.
    await q.query(`ALTER TABLE revoked_webhooks ADD COLUMN expires_at timestamptz, ADD COLUMN key_version integer`);

    await this.partition(q, 'invocations', 'received_at', INVOCATION_COLUMNS, `
      CREATE TABLE invocations_partitioned (
        id uuid NOT NULL,
        webhook_id uuid NOT NULL,
        bot_id varchar(24) NOT NULL,
        command varchar(256) NOT NULL,
        user_id varchar(64),
        chat_id varchar(64),
        method varchar(4) NOT NULL,
        route varchar(4) NOT NULL CONSTRAINT invocations_delivery_check CHECK (route IN ('sync', 'push', 'pull')),
        status varchar(9) NOT NULL CONSTRAINT invocations_status_check CHECK (status IN ('received', 'queued', 'delivered', 'answered', 'failed')),
        payload text NOT NULL,
        body bytea,
        sealed text,
        http_status integer,
        answer text,
        error text,
        reply_status integer,
        reply_headers jsonb,
        reply_body text,
        attempts integer NOT NULL DEFAULT 0,
        retry_step integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        update_id bigint,
        received_at timestamptz NOT NULL,
        finished_at timestamptz
      ) PARTITION BY RANGE (received_at)`);
    await q.query(`
      INSERT INTO single_use_claims (webhook_id, invocation_id, bot_id, expires_at)
      SELECT webhook_id, id, bot_id, NULL FROM invocations_unpartitioned WHERE holds_single_use`);
    await q.query(`
      INSERT INTO idempotency_keys (webhook_id, key, invocation_id, received_at, expires_at)
      SELECT webhook_id, idempotency_key, id, received_at, received_at + interval '24 hours' FROM invocations_unpartitioned
       WHERE idempotency_key IS NOT NULL AND received_at > now() - interval '24 hours'`);
    await q.query(`DROP TABLE invocations_unpartitioned`);
    // Ids are UUIDv7 and received_at is the id's time, so a lookup by id names its partition too.
    await q.query(`ALTER TABLE invocations ADD CONSTRAINT invocations_pkey PRIMARY KEY (id, received_at)`);
    await q.query(`CREATE INDEX invocations_bot_page ON invocations (bot_id, id DESC)`);
    await q.query(`CREATE INDEX invocations_push_due ON invocations (next_attempt_at) WHERE route = 'push' AND status = 'queued'`);
    await q.query(`CREATE INDEX invocations_pull_queue ON invocations (bot_id, update_id) WHERE route = 'pull' AND status = 'queued'`);
    // No longer unique: the sequence hands each number out once.
    await q.query(`CREATE INDEX invocations_update_id ON invocations (update_id) WHERE update_id IS NOT NULL`);

    await this.partition(q, 'connection_deliveries', 'created_at', DELIVERY_COLUMNS, `
      CREATE TABLE connection_deliveries_partitioned (
        id uuid NOT NULL,
        connection_id varchar(24) NOT NULL,
        bot_id varchar(24) NOT NULL,
        status varchar(16) NOT NULL CONSTRAINT connection_deliveries_status_check CHECK (status IN ('succeeded', 'failed')),
        http_status integer,
        duration_ms integer NOT NULL,
        error text,
        request_url text NOT NULL,
        request_headers jsonb NOT NULL,
        request_body text NOT NULL,
        response_body text,
        created_at timestamptz NOT NULL DEFAULT now()
      ) PARTITION BY RANGE (created_at)`);
    await q.query(`DROP TABLE connection_deliveries_unpartitioned`);
    await q.query(`ALTER TABLE connection_deliveries ADD CONSTRAINT connection_deliveries_pkey PRIMARY KEY (id, created_at)`);
    await q.query(`CREATE INDEX connection_deliveries_page ON connection_deliveries (connection_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX connection_deliveries_bot_id ON connection_deliveries (bot_id)`);
  }

  /**
   * Moves `table` into the partitioned table `create` makes (`<table>_partitioned`, renamed to `table`),
   * with a partition for every day its rows fall on and for today and the days ahead; the old table is
   * left as `<table>_unpartitioned` for the caller to read from and drop.
   */
  private async partition(q: QueryRunner, table: string, key: string, columns: string, create: string): Promise<void> {
    await q.query(create);
    await q.query(`CREATE TABLE ${table}_default PARTITION OF ${table}_partitioned DEFAULT`);
    await q.query(`ALTER TABLE ${table} RENAME TO ${table}_unpartitioned`);
    await q.query(`ALTER TABLE ${table}_partitioned RENAME TO ${table}`);
    await q.query(`
      SELECT create_day_partition('${table}', day) FROM (
        SELECT DISTINCT (${key} AT TIME ZONE 'UTC')::date AS day FROM ${table}_unpartitioned
        UNION SELECT ((now() AT TIME ZONE 'UTC')::date + n) FROM generate_series(0, ${DAYS_AHEAD}) AS n
      ) days`);
    await q.query(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM ${table}_unpartitioned`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invocations RENAME TO invocations_partitioned`);
    await q.query(`
      CREATE TABLE invocations (LIKE invocations_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
        holds_single_use boolean NOT NULL DEFAULT false, idempotency_key varchar(255))`);
    await q.query(`
      INSERT INTO invocations (${INVOCATION_COLUMNS}, holds_single_use, idempotency_key)
      SELECT ${INVOCATION_COLUMNS.split(',').map((c) => `i.${c.trim()}`).join(', ')}, c.invocation_id IS NOT NULL, k.key
        FROM invocations_partitioned i
        LEFT JOIN single_use_claims c ON c.invocation_id = i.id
        LEFT JOIN idempotency_keys k ON k.invocation_id = i.id AND k.received_at = i.received_at`);
    await q.query(`DROP TABLE invocations_partitioned`);
    await q.query(`ALTER TABLE invocations ADD PRIMARY KEY (id)`);
    await q.query(`CREATE UNIQUE INDEX invocations_single_use ON invocations (webhook_id) WHERE holds_single_use`);
    await q.query(`CREATE UNIQUE INDEX invocations_idempotency ON invocations (webhook_id, idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await q.query(`CREATE INDEX invocations_bot_page ON invocations (bot_id, id DESC)`);
    await q.query(`CREATE INDEX invocations_push_due ON invocations (next_attempt_at) WHERE route = 'push' AND status = 'queued'`);
    await q.query(`CREATE INDEX invocations_pull_queue ON invocations (bot_id, update_id) WHERE route = 'pull' AND status = 'queued'`);
    await q.query(`CREATE UNIQUE INDEX invocations_update_id ON invocations (update_id) WHERE update_id IS NOT NULL`);

    await q.query(`ALTER TABLE connection_deliveries RENAME TO connection_deliveries_partitioned`);
    await q.query(`CREATE TABLE connection_deliveries (LIKE connection_deliveries_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await q.query(`INSERT INTO connection_deliveries (${DELIVERY_COLUMNS}) SELECT ${DELIVERY_COLUMNS} FROM connection_deliveries_partitioned`);
    await q.query(`DROP TABLE connection_deliveries_partitioned`);
    await q.query(`ALTER TABLE connection_deliveries ADD PRIMARY KEY (id)`);
    await q.query(`CREATE INDEX connection_deliveries_page ON connection_deliveries (connection_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX connection_deliveries_bot_id ON connection_deliveries (bot_id)`);

    await q.query(`ALTER TABLE revoked_webhooks DROP COLUMN expires_at, DROP COLUMN key_version`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE single_use_claims`);
    await q.query(`DROP FUNCTION drop_day_partitions(text, date)`);
    await q.query(`DROP FUNCTION create_day_partition(text, date)`);
  }
}
