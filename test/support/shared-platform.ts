// One TestPlatform shared by every test of a file: created in `test.before`, torn down in
// `test.after.always`. Ava does not allow t.teardown() in hooks, so the platform's clean-up
// steps are collected here and run at the end instead.
import type { ExecutionContext } from "ava";
import { TestPlatform } from "./platform.js";

/** A platform for a whole test file and the function that removes it. */
export async function sharedPlatform(env: Record<string, string> = {}): Promise<{ platform: TestPlatform; close: () => Promise<void> }> {
  const steps: Array<() => unknown> = [];
  const context = { teardown: (step: () => unknown) => void steps.push(step) } as unknown as ExecutionContext;
  const platform = await TestPlatform.create(context, env);
  return {
    platform,
    close: async () => {
      for (const step of steps.reverse()) await step();
    },
  };
}
