import { FakeRuntime } from './runtime';
import { startApp, TestApp, TestBot } from './test-app';

/** The app, a runtime on 127.0.0.1 verifying signatures, and a bot whose runtime it is: most webhooks tests start here. */
export interface RuntimeApp {
  t: TestApp;
  runtime: FakeRuntime;
  bot: TestBot;
  close(): Promise<void>;
}

export async function startAppWithRuntime(overrides: Record<string, string | undefined> = {}): Promise<RuntimeApp> {
  const [t, runtime] = await Promise.all([startApp(overrides), FakeRuntime.start()]);
  const bot = await t.createBot({ runtimeUrl: runtime.url });
  runtime.signingSecret = bot.signingSecret;
  return { t, runtime, bot, close: () => Promise.all([t.close(), runtime.close()]).then(() => undefined) };
}
