import { ChangeNotices } from '../../common/change-notices';
import type { DatabaseLocation } from '../../database/database.module';
import type { Sql } from '../../database/sql';
import { UpdateSignal } from './update-signal';

// Notices of the embedded database stay in this process, so no connection is needed.
const signalOf = () => {
  const notices = new ChangeNotices(undefined as unknown as Sql, { isEmbedded: true } as DatabaseLocation);
  return { notices, signal: new UpdateSignal(notices) };
};
const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe('UpdateSignal', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('cuts a wait short for a notice that came after listening began but before the wait', async () => {
    const { notices, signal } = signalOf();
    const listener = signal.listen('bot', new AbortController().signal);
    // The poll reads its queue here and finds it empty while the call commits and notifies.
    await notices.publish('update_ready', { botId: 'bot' });
    expect(await settled(listener.wait(60_000))).toBe(true);
    // Heard once: the next wait waits again.
    expect(await settled(listener.wait(60_000))).toBe(false);
    listener.close();
  });

  it("wakes a waiting poll for its bot's notice only", async () => {
    const { notices, signal } = signalOf();
    const mine = signal.listen('bot', new AbortController().signal);
    const wait = mine.wait(60_000);
    await notices.publish('update_ready', { botId: 'other' });
    expect(await settled(wait)).toBe(false);
    await notices.publish('update_ready', { botId: 'bot' });
    expect(await settled(wait)).toBe(true);
    mine.close();
  });

  it('ends a wait after its time, on abort, and on close', async () => {
    const { signal } = signalOf();
    const timed = signal.listen('bot', new AbortController().signal);
    const wait = timed.wait(1000);
    jest.advanceTimersByTime(999);
    expect(await settled(wait)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(await settled(wait)).toBe(true);
    const abort = new AbortController();
    const aborted = signal.listen('bot', abort.signal);
    const abortedWait = aborted.wait(60_000);
    abort.abort();
    expect(await settled(abortedWait)).toBe(true);
    expect(await settled(aborted.wait(60_000))).toBe(true);
    const closing = signal.listen('bot', new AbortController().signal);
    const closedWait = closing.wait(60_000);
    closing.close();
    expect(await settled(closedWait)).toBe(true);
    timed.close();
    aborted.close();
  });
});
