import type { TestApp } from './test-app';

/**
 * One sample from the app's /metrics, 0 when the series has not appeared yet (prom-client shows a labelled
 * counter only once it has been incremented). Labels must be given in the order the app prints them.
 */
export async function metric(t: TestApp, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await t.http.get('/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const series = pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
  const line = res.text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
