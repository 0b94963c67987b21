#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { listen, ListenError, VERSION } from './listen';

const USAGE = `bothooks listen — forward a bot's calls to a runtime on your machine, without a public URL

Usage:
  bothooks listen --api <url> --key <bh_bot_…> --forward-to <url> --secret <whsec_…>

  --api         the bothooks API, e.g. http://localhost:3000            (env BOTHOOKS_API_URL)
  --key         the bot's API key, bh_bot_…                             (env BOTHOOKS_API_KEY)
  --forward-to  your local runtime, e.g. http://localhost:3001/hook
  --secret      the bot's signingSecret, whsec_…                        (env BOTHOOKS_SIGNING_SECRET)
                A bot key cannot read it: an admin finds it in GET /v1/bots/:id
                (or the bot's creation answer). Each call is signed with it exactly
                as a push delivery would be, so your runtime's check runs unchanged.
  --help        this text
  --version     bothooks-listen's version

Works for a bot without a runtimeUrl (pull mode): it long-polls GET /v1/updates and
confirms an update only once your runtime answered 2xx; a failed one comes back,
after a backoff. One line per call: local time, command, status, duration, invocation id.
Ctrl-C stops it.
`;

function main(): Promise<number> | number {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        api: { type: 'string' },
        key: { type: 'string' },
        'forward-to': { type: 'string' },
        secret: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`bothooks-listen/${VERSION}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'listen') return usageError(`unknown command: ${positionals.join(' ') || '(none)'}`);
  const api = (values.api as string | undefined) ?? process.env.BOTHOOKS_API_URL;
  const key = (values.key as string | undefined) ?? process.env.BOTHOOKS_API_KEY;
  const forwardTo = values['forward-to'] as string | undefined;
  const secret = (values.secret as string | undefined) ?? process.env.BOTHOOKS_SIGNING_SECRET;
  const missing = [!api && '--api', !key && '--key', !forwardTo && '--forward-to', !secret && '--secret'].filter(Boolean);
  if (missing.length > 0) return usageError(`missing ${missing.join(', ')}`);
  for (const [flag, url] of [['--api', api!], ['--forward-to', forwardTo!]]) {
    if (!/^https?:$/.test(URL.canParse(url) ? new URL(url).protocol : '')) return usageError(`${flag} must be an http or https URL`);
  }
  return run({ api: api!, key: key!, forwardTo: forwardTo!, secret: secret! });
}

async function run(args: { api: string; key: string; forwardTo: string; secret: string }): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => {
    // A second Ctrl-C does not wait for the last confirmation.
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await listen({ ...args, signal: stop.signal, log: (line) => process.stdout.write(`${line}\n`) });
    return 0;
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    process.stderr.write(`bothooks listen: ${error.message}\n`);
    return 1;
  }
}

function usageError(message: string): number {
  process.stderr.write(`bothooks listen: ${message}\n\n${USAGE}`);
  return 2;
}

void Promise.resolve(main()).then((code) => {
  process.exitCode = code;
});
