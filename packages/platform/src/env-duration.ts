// Durations in environment variables, written as people write them: "250ms", "15m", "12h",
// "14d". Kept beside config.ts's variable kinds and read with loadConfig.
import { z } from "zod";
import type { EnvVar } from "./config.js";
import { parseDuration } from "./duration.js";

const DAY_MS = 86_400_000;

/** Milliseconds in "250ms", "2s", "15m", "12h" or "14d"; undefined if it is none of them. */
export function parseLongDuration(text: string): number | undefined {
  const days = /^(\d+(?:\.\d+)?)d$/.exec(text.trim());
  return days ? Number(days[1]) * DAY_MS : parseDuration(text);
}

/** A duration variable in milliseconds, at least `minMs`. */
export function envDuration(name: string, fallback: string, minMs = 0): EnvVar<number> {
  const schema = z.preprocess(
    (v) => (v === undefined || v === "" ? fallback : v),
    z
      .string()
      .transform((text, ctx) => {
        const ms = parseLongDuration(text);
        if (ms === undefined) {
          ctx.addIssue({ code: "custom", message: "not a duration" });
          return z.NEVER;
        }
        return ms;
      })
      .pipe(z.number().min(minMs)),
  );
  return { name, schema: schema as z.ZodType<number>, hint: `a duration such as 250ms, 15m, 12h or 14d, at least ${minMs} ms` };
}
