// Waiting in tests for something that happens asynchronously (an event handled, a status changed).

/**
 * Polls `probe` until it returns a value other than undefined (or stops throwing); fails after
 * `timeoutMs`. The default is generous because the whole suite shares two cores: an event chain
 * that takes 50 ms alone once took over 10 s under full load.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
