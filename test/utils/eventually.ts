/**
 * Polls until check() returns something other than undefined: for work the app does in the background.
 * It waits for the event, never for a fixed time; the deadline only bounds a failure.
 */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, what = 'the background work'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The path of an issued URL, for calling it through the test's HTTP agent. */
export const pathOf = (url: string): string => url.slice(url.indexOf('/w/'));
