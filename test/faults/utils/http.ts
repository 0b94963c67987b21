import { Agent, request } from 'undici';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: any;
  ms: number;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** Sent as JSON unless it is a string or a Buffer. */
  body?: unknown;
  /** Give up after this long (the call then throws). */
  timeoutMs?: number;
}

/**
 * A plain HTTP client for talking to the app from outside, as its users do. Keep-alive sockets are
 * pooled per client so that thousands of calls do not exhaust ephemeral ports.
 */
export class Http {
  private readonly agent: Agent;

  constructor(
    private readonly base: string,
    connections = 64,
  ) {
    this.agent = new Agent({ connections, keepAliveTimeout: 4000 });
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Buffer | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
        body = options.body;
      } else {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    const timeout = options.timeoutMs ?? 30_000;
    const startedAt = performance.now();
    const res = await request(path.startsWith('http') ? path : `${this.base}${path}`, {
      method: method as 'GET',
      headers,
      body,
      dispatcher: this.agent,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await res.body.text();
    const ms = performance.now() - startedAt;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    return { status: res.statusCode, headers: flat, text, body: parsed, ms };
  }

  get(path: string, key?: string, options: CallOptions = {}): Promise<Reply> {
    return this.call('GET', path, { ...options, headers: { ...auth(key), ...options.headers } });
  }

  post(path: string, key: string | undefined, body?: unknown, options: CallOptions = {}): Promise<Reply> {
    return this.call('POST', path, { ...options, body, headers: { ...auth(key), ...options.headers } });
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export const auth = (key: string | undefined): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});

/** Runs task(0..total-1) with at most `concurrency` at a time; resolves when all have settled. */
export async function inParallel(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}
