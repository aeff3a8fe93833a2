// One TestPlatform shared by every test of a file: created in `test.before`, removed in
// `test.after.always` (ava allows no t.teardown() in hooks, so there is no test to hang it on).
import { TestPlatform } from "./platform.js";

/** A platform for a whole test file and the function that removes it. */
export async function sharedPlatform(env: Record<string, string> = {}): Promise<{ platform: TestPlatform; close: () => Promise<void> }> {
  const platform = await TestPlatform.create(undefined, env);
  return { platform, close: () => platform.close() };
}
