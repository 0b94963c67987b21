/* Drives one server with autocannon and sums up several runs of it. */
import { cpuSeconds, postgresCpuSeconds } from './processes';

// autocannon ships no type declarations; these are the parts of its results the bench reads.
/** One run, unaggregated: its latency histogram stays encoded so that runs can be merged. */
export interface RunResult {
  duration: number;
  errors: number;
  timeouts: number;
  totalCompletedRequests: number;
  statusCodeStats: Record<string, { count: number }>;
  /** Ours, not autocannon's: CPU time the server under load spent during the run. */
  serverCpuSeconds: number;
  /** Ours too: CPU time Postgres spent during the run, all its processes together. */
  databaseCpuSeconds: number;
}
interface Tracker extends Promise<RunResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseMs: number) => void): void;
}
interface Autocannon {
  (options: Record<string, unknown>): Tracker;
  aggregateResult(results: RunResult[], options: Record<string, unknown>): { latency: { p50: number; p99: number } };
}
const autocannon = require('autocannon') as Autocannon;

export interface RequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
  expectedStatus: number;
}

export interface Measurement {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  /** Responses with the expected status: each is a promise that something was committed (or, for issue, signed). */
  expected: number;
  errors: number;
  timeouts: number;
  /**
   * The server's own CPU time per answered request: unlike req/s it barely moves when something else
   * competes for the cores, so it shows what a change did even on a busy machine.
   */
  cpuMicrosPerRequest: number;
  /**
   * Postgres's CPU time per answered request: what the server's statements cost the database, which
   * req/s on two shared cores also pays for.
   */
  databaseCpuMicrosPerRequest: number;
  /** Every status other than the expected one, by code. */
  unexpected: Record<string, number>;
}

/** One response: when it arrived (performance.now(), ms) and how long it took (ms, not rounded). */
export interface TimedResponse {
  at: number;
  ms: number;
}

/**
 * Loads the server whose process is serverPid with the same request over and over; `responses`, when
 * given, gets every response's time.
 */
export async function drive(spec: RequestSpec, serverPid: number, connections: number, durationSeconds: number, responses?: TimedResponse[]): Promise<RunResult> {
  const cpuBefore = cpuSeconds(serverPid);
  const databaseCpuBefore = postgresCpuSeconds();
  const tracker = autocannon({
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    connections,
    pipelining: 1,
    duration: durationSeconds,
    timeout: 10,
    skipAggregateResult: true,
  });
  if (responses) tracker.on('response', (_client, _status, _bytes, ms) => responses.push({ at: performance.now(), ms }));
  const result = await tracker;
  return { ...result, serverCpuSeconds: cpuSeconds(serverPid) - cpuBefore, databaseCpuSeconds: postgresCpuSeconds() - databaseCpuBefore };
}

/** The p-th percentile (0..100) of the latencies, in ms; NaN when there are none. */
export function percentile(latencies: number[], p: number): number {
  if (latencies.length === 0) return NaN;
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Requests per second over all runs together, and percentiles of every latency of every run. */
export function summarize(results: RunResult[], expectedStatus: number): Measurement {
  // aggregateResult adds the other runs' status counts into the first run's: give it copies.
  const aggregated = autocannon.aggregateResult(
    results.map((r) => ({ ...r, statusCodeStats: structuredClone(r.statusCodeStats) })),
    { url: 'http://127.0.0.1' },
  );
  const seconds = results.reduce((sum, r) => sum + r.duration, 0);
  const requests = results.reduce((sum, r) => sum + r.totalCompletedRequests, 0);
  const unexpected: Record<string, number> = {};
  let expected = 0;
  for (const result of results) {
    for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
      if (Number(code) === expectedStatus) expected += count;
      else unexpected[code] = (unexpected[code] ?? 0) + count;
    }
  }
  return {
    reqPerSec: requests / seconds,
    p50: aggregated.latency.p50,
    p99: aggregated.latency.p99,
    requests,
    expected,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
    cpuMicrosPerRequest: (results.reduce((sum, r) => sum + r.serverCpuSeconds, 0) / requests) * 1e6,
    databaseCpuMicrosPerRequest: (results.reduce((sum, r) => sum + r.databaseCpuSeconds, 0) / requests) * 1e6,
    unexpected,
  };
}
