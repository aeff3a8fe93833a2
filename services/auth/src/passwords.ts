// Password hashing with argon2id (memory-hard). Unknown accounts are checked against a dummy
// hash made with the same parameters, so a failed login takes as long whether or not the
// email is registered.
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

/** argon2id cost parameters. */
export interface HashCost {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

/** Hashes and checks passwords. */
export class PasswordHasher {
  // Made at construction, so even the first unknown-email login costs one hash, not two.
  private readonly dummy: Promise<string>;

  constructor(private readonly cost: HashCost) {
    this.dummy = this.hash(randomBytes(16).toString("hex"));
  }

  /** The PHC string (`$argon2id$v=19$m=…`) of `password`, with a fresh salt. */
  hash(password: string): Promise<string> {
    return hash(password, { memoryCost: this.cost.memoryKib, timeCost: this.cost.timeCost, parallelism: this.cost.parallelism });
  }

  /** True if `password` matches `stored`; with no stored hash, spends the same time and says false. */
  async verify(stored: string | undefined, password: string): Promise<boolean> {
    if (stored === undefined) {
      await verify(await this.dummy, password).catch(() => false);
      return false;
    }
    try {
      return await verify(stored, password);
    } catch {
      return false;
    }
  }
}
