/*
 * bothooks against hand-written Express 5 + pg references on its four hot paths (issue a URL, receive a
 * call async and sync, dispatch to a connection), all on 127.0.0.1 in one run, plus bothooks' memory; and,
 * for receive-async and dispatch, against the limit (bench/http/limit.ts: node:http + pg + undici doing
 * only the essential work), so that the distance to the least possible cost is measured in the same run.
 *
 *   npm run bench        (builds first; the Postgres server is DATABASE_URL's, default the local one)
 *
 * Each pair is driven with the same autocannon settings and payloads, runs alternating between the sides.
 * Two identical passes: the second repeats the first in the opposite order, and bothooks' RSS after each
 * shows whether it keeps growing. Exits 1 on any error, unexpected status, uncommitted answer or missed
 * target. Settings: BENCH_CONNECTIONS (32), BENCH_DURATION (seconds per run, 5), BENCH_ROUNDS (runs per
 * side per pass, 2), BENCH_LOG (where bothooks' and the limit's logs go, /dev/null), BENCH_CPU_PROF (a folder:
 * profile bothooks with node --cpu-prof and leave the .cpuprofile there), BENCH_SCENARIOS (a comma-separated
 * subset of the scenarios, all by default), BENCH_LIMIT_INDEXES (`product`: the limit keeps the indexes
 * bothooks keeps, see bench/http/limit.ts).
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { drive, type Measurement, type RequestSpec, type RunResult, summarize } from './http/load';
import { launchBothooks, rssMiB, startScript, stop, waitForHealth } from './http/processes';
import { createBenchDatabase, positiveInt } from './http/settings';
import { createReferenceSchema } from './http/reference-schema';
import {
  checkAnswers,
  EXPECTED_STATUS,
  LIMIT_SCENARIOS,
  type LimitPeers,
  SCENARIOS as ALL_SCENARIOS,
  type Scenario,
  setUpBothooks,
  setUpLimit,
  setUpReference,
  type Side,
} from './http/sides';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CONNECTIONS = positiveInt('BENCH_CONNECTIONS', 32);
const DURATION_SECONDS = positiveInt('BENCH_DURATION', 5);
const ROUNDS = positiveInt('BENCH_ROUNDS', 2);
const LOG_PATH = process.env.BENCH_LOG ?? '/dev/null';
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const SCENARIOS = scenarioSubset();
const WARMUP_SECONDS = 1;
const PASSES = 2;

const TARGETS: Record<Scenario, { minRatio: number; maxP99Ratio?: number }> = {
  issue: { minRatio: 0.8 },
  'receive-async': { minRatio: 1.0, maxP99Ratio: 1.5 },
  'receive-sync': { minRatio: 0.8 },
  dispatch: { minRatio: 0.8 },
};
/** bothooks against the limit server, req/s. */
const LIMIT_TARGETS: Partial<Record<Scenario, number>> = { 'receive-async': 0.8, dispatch: 0.8 };
const MAX_RSS_MIB = 250;
const MAX_RSS_GROWTH = 0.1;

type SideName = Side['name'];

function scenarioSubset(): readonly Scenario[] {
  const raw = process.env.BENCH_SCENARIOS;
  if (raw === undefined) return ALL_SCENARIOS;
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(ALL_SCENARIOS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) throw new Error(`BENCH_SCENARIOS: unknown scenario ${unknown.join(', ')} (known: ${ALL_SCENARIOS.join(', ')})`);
  return ALL_SCENARIOS.filter((scenario) => names.includes(scenario));
}

class Bench {
  readonly runs = new Map<string, RunResult[]>();
  /** Answers with the expected status, warm-ups and answer checks included: each promised a committed row. */
  readonly answered = new Map<string, number>();
  readonly failures: string[] = [];

  async run(side: Side, scenario: Scenario, seconds: number, pass: number | null): Promise<void> {
    const spec: RequestSpec = side.requests[scenario]!;
    const result = await drive(spec, side.pid, CONNECTIONS, seconds);
    const measured = summarize([result], spec.expectedStatus);
    const key = `${side.name}/${scenario}`;
    this.answered.set(key, (this.answered.get(key) ?? 0) + measured.expected);
    if (measured.errors > 0 || Object.keys(measured.unexpected).length > 0) {
      this.failures.push(`${key}: ${measured.errors} errors (${measured.timeouts} timeouts), unexpected statuses ${JSON.stringify(measured.unexpected)}`);
    }
    if (pass !== null) {
      for (const k of [key, `${key}/${pass}`]) this.runs.set(k, [...(this.runs.get(k) ?? []), result]);
    }
  }

  measurement(side: SideName, scenario: Scenario, pass?: number): Measurement {
    const runs = this.runs.get(pass === undefined ? `${side}/${scenario}` : `${side}/${scenario}/${pass}`)!;
    return summarize(runs, EXPECTED_STATUS[scenario]);
  }
}

async function main(): Promise<number> {
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const database = await createBenchDatabase(SERVER_URL, 'bench');
    cleanup.push(database.drop);
    const stubs = await startScript<{ runtimeUrl: string; backendUrl: string }>('bench/http/stubs.ts');
    cleanup.push(() => stop(stubs.child));
    const peers = stubs.message;

    const db = new Pool({ connectionString: database.url, max: 2 });
    // An idle connection dropped by the server must not end the run before the report is written.
    db.on('error', (error) => process.stderr.write(`bench database: ${error.message}\n`));
    cleanup.push(() => db.end());
    const seed = await createReferenceSchema(db, peers);
    const reference = await startScript<{ url: string }>('bench/http/reference.ts', { DATABASE_URL: database.url });
    cleanup.push(() => stop(reference.child));
    const limit = await startScript<LimitPeers>('bench/http/limit.ts', { DATABASE_URL: database.url, BACKEND_URL: peers.backendUrl, BENCH_LOG: LOG_PATH });
    cleanup.push(() => stop(limit.child));

    const { child: bothooks, baseUrl, adminKey } = await launchBothooks({ databaseUrl: database.url, logPath: LOG_PATH, profileDir: PROFILE_DIR });
    cleanup.push(() => stop(bothooks));
    await waitForHealth(baseUrl, bothooks);

    const sides: Record<SideName, Side> = {
      bothooks: await setUpBothooks(bothooks.pid!, baseUrl, adminKey, peers),
      reference: await setUpReference(reference.child.pid!, reference.message.url, seed),
      limit: setUpLimit(limit.child.pid!, limit.message),
    };
    const bench = new Bench();
    for (const side of Object.values(sides)) {
      await checkAnswers(side);
      for (const scenario of SCENARIOS) if (side.requests[scenario]) bench.answered.set(`${side.name}/${scenario}`, 1);
    }

    const rss: number[] = [];
    for (let pass = 0; pass < PASSES; pass++) {
      const all = pass % 2 === 0 ? [sides.bothooks, sides.reference, sides.limit] : [sides.limit, sides.reference, sides.bothooks];
      for (const scenario of SCENARIOS) {
        process.stdout.write(`pass ${pass + 1}/${PASSES}: ${scenario}\n`);
        const order = all.filter((side) => side.requests[scenario] !== undefined);
        for (const side of order) await bench.run(side, scenario, WARMUP_SECONDS, null);
        for (let round = 0; round < ROUNDS; round++) {
          for (const side of order) await bench.run(side, scenario, DURATION_SECONDS, pass);
        }
      }
      rss.push(rssMiB(bothooks.pid!));
    }

    for (const side of Object.values(sides)) {
      for (const scenario of SCENARIOS) {
        if (!side.requests[scenario]) continue;
        const rows = await side.committedRows(scenario, db);
        const answers = bench.answered.get(`${side.name}/${scenario}`)!;
        if (rows !== null && rows < answers) bench.failures.push(`${side.name}/${scenario}: ${answers} answers promised a committed row, ${rows} rows found`);
      }
    }
    const [{ server_version: postgres }] = (await db.query('SHOW server_version')).rows;
    return report(bench, rss, postgres);
  } finally {
    for (const step of cleanup.reverse()) {
      await step().catch((error: Error) => process.stderr.write(`cleanup: ${error.message}\n`));
    }
  }
}

function report(bench: Bench, rss: number[], postgres: string): number {
  const scenarios = SCENARIOS.map((scenario) => {
    const bothooks = bench.measurement('bothooks', scenario);
    const reference = bench.measurement('reference', scenario);
    const ratio = bothooks.reqPerSec / reference.reqPerSec;
    const p99Ratio = bothooks.p99 / reference.p99;
    const target = TARGETS[scenario];
    const met = ratio >= target.minRatio && (target.maxP99Ratio === undefined || p99Ratio <= target.maxP99Ratio);
    return { scenario, bothooks, reference, ratio, p99Ratio, target, met };
  });
  const limits = SCENARIOS.filter((scenario) => LIMIT_SCENARIOS.includes(scenario)).map((scenario) => {
    const bothooks = bench.measurement('bothooks', scenario);
    const limit = bench.measurement('limit', scenario);
    const ratio = bothooks.reqPerSec / limit.reqPerSec;
    const minRatio = LIMIT_TARGETS[scenario]!;
    const perPass = Array.from({ length: PASSES }, (_, pass) => bench.measurement('bothooks', scenario, pass).reqPerSec / bench.measurement('limit', scenario, pass).reqPerSec);
    return { scenario, bothooks, limit, ratio, perPass, target: { minRatio }, met: ratio >= minRatio };
  });
  const growth = rss[rss.length - 1] / rss[0] - 1;
  const memory = {
    bothooksRssMiB: rss,
    growth,
    target: { maxRssMiB: MAX_RSS_MIB, maxGrowth: MAX_RSS_GROWTH },
    met: Math.max(...rss) <= MAX_RSS_MIB && growth <= MAX_RSS_GROWTH,
  };
  const passes = Array.from({ length: PASSES }, (_, pass) =>
    Object.fromEntries(
      SCENARIOS.map((scenario) => {
        const b = bench.measurement('bothooks', scenario, pass).reqPerSec;
        const r = bench.measurement('reference', scenario, pass).reqPerSec;
        return [scenario, { bothooksReqPerSec: b, referenceReqPerSec: r, ratio: b / r }];
      }),
    ),
  );

  const f0 = (n: number) => n.toFixed(0);
  const f2 = (n: number) => n.toFixed(2);
  const rows = [
    ['scenario', 'bothooks req/s', 'reference req/s', 'ratio', 'goal', 'p50 ms b / r', 'p99 ms b / r', 'p99 ratio', 'CPU us/req b / r', 'DB CPU us/req b / r', 'errors+non-2xx b / r', ''],
    ...scenarios.map((s) => [
      s.scenario,
      f0(s.bothooks.reqPerSec),
      f0(s.reference.reqPerSec),
      f2(s.ratio),
      `>= ${s.target.minRatio}${s.target.maxP99Ratio ? `, p99 <= ${s.target.maxP99Ratio}x` : ''}`,
      `${s.bothooks.p50} / ${s.reference.p50}`,
      `${s.bothooks.p99} / ${s.reference.p99}`,
      f2(s.p99Ratio),
      `${f0(s.bothooks.cpuMicrosPerRequest)} / ${f0(s.reference.cpuMicrosPerRequest)}`,
      `${f0(s.bothooks.databaseCpuMicrosPerRequest)} / ${f0(s.reference.databaseCpuMicrosPerRequest)}`,
      `${problems(s.bothooks)} / ${problems(s.reference)}`,
      s.met ? 'met' : 'MISSED',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`\n${CONNECTIONS} connections, ${ROUNDS * PASSES} x ${DURATION_SECONDS} s per side per scenario, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, Postgres ${postgres}`);
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  console.log(`per pass, ratio: ${passes.map((p, i) => `${i + 1}: ${SCENARIOS.map((s) => `${s} ${f2(p[s].ratio)}`).join(', ')}`).join(' | ')}`);
  if (limits.length > 0) {
    const limitRows = [
      ['against the limit', 'bothooks req/s', 'limit req/s', 'ratio', 'goal', 'per pass', 'p50 ms b / l', 'p99 ms b / l', 'CPU us/req b / l', 'DB CPU us/req b / l', 'errors+non-2xx b / l', ''],
      ...limits.map((s) => [
        s.scenario,
        f0(s.bothooks.reqPerSec),
        f0(s.limit.reqPerSec),
        f2(s.ratio),
        `>= ${s.target.minRatio}`,
        s.perPass.map(f2).join(', '),
        `${s.bothooks.p50} / ${s.limit.p50}`,
        `${s.bothooks.p99} / ${s.limit.p99}`,
        `${f0(s.bothooks.cpuMicrosPerRequest)} / ${f0(s.limit.cpuMicrosPerRequest)}`,
        `${f0(s.bothooks.databaseCpuMicrosPerRequest)} / ${f0(s.limit.databaseCpuMicrosPerRequest)}`,
        `${problems(s.bothooks)} / ${problems(s.limit)}`,
        s.met ? 'met' : 'MISSED',
      ]),
    ];
    const limitWidths = limitRows[0].map((_, i) => Math.max(...limitRows.map((r) => r[i].length)));
    for (const row of limitRows) console.log(row.map((cell, i) => cell.padEnd(limitWidths[i])).join('  ').trimEnd());
  }
  console.log(
    `bothooks RSS after each pass: ${rss.map(f0).join(' MiB, ')} MiB (${(growth * 100).toFixed(1)}%; goal <= ${MAX_RSS_MIB} MiB, <= ${MAX_RSS_GROWTH * 100}%) ${memory.met ? 'met' : 'MISSED'}`,
  );

  const missed = [
    ...scenarios.filter((s) => !s.met).map((s) => `${s.scenario} target missed`),
    ...limits.filter((s) => !s.met).map((s) => `${s.scenario} against the limit: target missed`),
    ...(memory.met ? [] : ['memory target missed']),
  ];
  const ok = bench.failures.length === 0 && missed.length === 0;
  writeFileSync(
    join(__dirname, 'results.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cores: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, postgres },
        settings: { connections: CONNECTIONS, durationSeconds: DURATION_SECONDS, roundsPerPass: ROUNDS, passes: PASSES, warmupSeconds: WARMUP_SECONDS },
        scenarios,
        limits,
        passes,
        memory,
        failures: bench.failures,
        missed,
        ok,
      },
      null,
      2,
    )}\n`,
  );
  for (const failure of [...bench.failures, ...missed]) console.error(`FAIL ${failure}`);
  return ok ? 0 : 1;
}

function problems(m: Measurement): string {
  return String(m.errors + Object.values(m.unexpected).reduce((sum, n) => sum + n, 0));
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error);
    process.exit(1);
  },
);
