import { Http, inParallel } from './http';
import { Bot } from './api';

export interface LoadResult {
  tried: number;
  /** invocationId of every call answered 202. */
  accepted: string[];
  /** How many calls got each status; `no answer` when the connection failed. */
  statuses: Record<string, number>;
}

/** Async URLs for one bot, spread over users so that per-URL state is exercised too. */
export async function issueAsyncUrls(http: Http, bot: Bot, count: number): Promise<string[]> {
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await http.post('/v1/webhooks', bot.apiKey, { command: '/onPayment', userId: 1000 + i, mode: 'async', content: { order: i } });
    if (res.status !== 201) throw new Error(`issuing a URL: ${res.status} ${res.text}`);
    urls.push(res.body.url);
  }
  return urls;
}

/**
 * `total` calls of the issued URLs, `concurrency` at a time, each with its own body, as payment providers
 * would send them. `beforeCall(i)` may wait (to pace the load or to let a fault happen in the middle).
 */
export async function callUrls(http: Http, urls: string[], total: number, concurrency: number, beforeCall?: (i: number) => Promise<void>): Promise<LoadResult> {
  const result: LoadResult = { tried: 0, accepted: [], statuses: {} };
  await inParallel(total, concurrency, async (i) => {
    await beforeCall?.(i);
    result.tried += 1;
    let status: string;
    try {
      const res = await http.post(urls[i % urls.length], undefined, { payment: i }, { timeoutMs: 15_000 });
      status = String(res.status);
      if (res.status === 202) result.accepted.push(res.body.invocationId);
    } catch {
      status = 'no answer';
    }
    result.statuses[status] = (result.statuses[status] ?? 0) + 1;
  });
  return result;
}

/** Waits until `done()` holds, checking every 200 ms, for at most `timeoutMs`. */
export async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return Date.now() - started;
}
