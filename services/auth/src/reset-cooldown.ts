// At most one password-reset email per address per cooldown, so RequestPasswordReset cannot be
// used to flood someone's inbox. The cooldown is taken for every address asked about, known or
// not, and the answer is the same either way: it reveals nothing about who is registered.
import { createHash } from "node:crypto";
import { redisKey } from "@junction/platform";
import type { Redis } from "ioredis";

/** One reset email per normalised address per cooldown. */
export class ResetCooldown {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly cooldownMs: number,
  ) {}

  /** True if a reset email may go to `email` now (and starts its cooldown); false while one is cooling down. */
  async take(email: string): Promise<boolean> {
    if (this.cooldownMs <= 0) return true;
    const address = createHash("sha256").update(email).digest("base64url").slice(0, 22);
    const taken = await this.redis.set(redisKey(this.namespace, "reset-cooldown", address), "1", "PX", this.cooldownMs, "NX");
    return taken === "OK";
  }
}
