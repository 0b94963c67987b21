// A program that uses bothooks through @bothooks/client only, in the contract's own words: it must
// type-check under --strict with no casts, so the types alone carry it from one call to the next.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { asBotsBusiness, asTeleBotHost, BothooksError, createClient, goto, postback, quickReplies, reply, respond, runtimeHandler, text, unwrap } from '@bothooks/client';

export interface ProgramOptions {
  baseUrl: string;
  adminKey: string;
  /** A chatbot.com backend the program connects to. */
  backendUrl: string;
}

export async function main({ baseUrl, adminKey, backendUrl }: ProgramOptions) {
  const admin = createClient({ baseUrl, apiKey: adminKey });

  // The bot runtime: bothooks signs each call with the bot's secret, known once the bot exists.
  let signingSecret = '';
  const seen: { content: string; page: string | string[] | undefined; issued: unknown }[] = [];
  const runtime = createServer((req, res) =>
    runtimeHandler(signingSecret, (message) => {
      seen.push({ content: asBotsBusiness(message).content, page: asTeleBotHost(message).params.page, issued: message.issuedContent });
      return respond({ status: 200, headers: { 'x-command': message.command }, body: { page: message.options.params.page, user: message.userId } });
    })(req, res),
  );
  runtime.listen(0, '127.0.0.1');
  await once(runtime, 'listening');
  const address = runtime.address();
  if (address === null || typeof address === 'string') throw new Error('the runtime has no TCP address');
  const { port } = address;

  try {
    const bot = await unwrap(admin.POST('/v1/bots', { body: { name: 'Client program', runtimeUrl: `http://127.0.0.1:${port}/runtime` } }));
    signingSecret = bot.signingSecret;
    const asBot = createClient({ baseUrl, apiKey: bot.apiKey });

    const issued = await unwrap(
      asBot.POST('/v1/webhooks', {
        body: { command: '/onWebhook', user_id: '42', redirect_to: 'https://shop.example/thanks', options: { order: 7 }, params: { page: 2 }, singleUse: false, mode: 'sync' },
      }),
    );
    // Reached through baseUrl: the issued URL names PUBLIC_URL, which may be a proxy in front of bothooks.
    const issuedUrl = new URL(issued.url);
    const called = await fetch(new URL(issuedUrl.pathname + issuedUrl.search, baseUrl));
    const calledBody: unknown = await called.json();

    const page = await unwrap(asBot.GET('/v1/invocations', { params: { query: { botId: bot.id } } }));
    const first = page.items[0];
    const detail = await unwrap(asBot.GET('/v1/invocations/{id}', { params: { path: { id: first.id } } }));

    const connection = await unwrap(admin.POST('/v2/integrations/webhook', { body: { name: 'Orders', url: backendUrl, storyId: bot.id, timeoutMs: 5000 } }));
    const connectionDetail = await unwrap(admin.GET('/v2/integrations/webhook/{id}', { params: { path: { id: connection.id } } }));
    const dispatched = await unwrap(admin.POST('/v2/integrations/webhook/{id}/dispatch', { params: { path: { id: connection.id } }, body: { chatId: 'c1', userId: 'u1' } }));

    const built = reply({
      responses: [text('Hi! What would you like to do?'), quickReplies('Pick one', [postback('Track order', 'track'), goto('Talk to us', '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c')])],
      attributes: { plan: 'pro' },
    });
    const validated = await unwrap(admin.POST('/v2/responses/validate', { body: built }));

    let missing = 'no error';
    try {
      await unwrap(asBot.GET('/v1/invocations/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } }));
    } catch (error) {
      if (error instanceof BothooksError && error.status === 404) missing = `404 ${error.type ?? ''} reason=${error.reason ?? 'none'}`;
      else throw error;
    }

    let refused = 'no error';
    try {
      await unwrap(asBot.POST('/v1/webhooks', { body: { command: '/onWebhook', userId: '1', user_id: '2', singleUse: false, mode: 'sync' } }));
    } catch (error) {
      if (error instanceof BothooksError && error.reason === 'validation_failed') refused = `${error.status} ${error.errors.map((e) => e.path).join(',')}`;
      else throw error;
    }

    return {
      botId: bot.id,
      called: { status: called.status, command: called.headers.get('x-command'), body: calledBody },
      seen,
      invocations: page.items.length,
      invocation: { status: detail.status, command: detail.message.command, userId: detail.message.userId, params: detail.message.options.params },
      connection: { id: connection.id, signingSecret: connectionDetail.signingSecret },
      dispatched: { deliveryId: dispatched.deliveryId, responses: dispatched.responses },
      validated,
      missing,
      refused,
    };
  } finally {
    runtime.close();
  }
}
