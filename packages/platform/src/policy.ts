// The communication policy: timeouts, retries and circuit breakers per upstream and method,
// declared once in policy.yaml. Client interceptors enforce it in direct mode; the Envoy
// renderer turns the same file into routes and clusters.
import { readFileSync } from "node:fs";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseDuration } from "./duration.js";
import type { Manifest } from "./manifest/manifest.js";

const duration = z
  .string({ error: 'expected a duration such as "250ms" or "2s"' })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: "custom", message: `expected a positive duration such as "250ms" or "2s", got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return ms;
  });

const retryableCode = z.enum(["unavailable", "resource_exhausted", "aborted", "deadline_exceeded", "internal", "unknown"]);

const retrySchema = z.strictObject({
  /** Total attempts including the first; 1 disables retries. */
  maxAttempts: z.number().int().min(1).max(10),
  initialBackoff: duration,
  maxBackoff: duration,
  /** Codes on which idempotent methods are retried. */
  retryOn: z.array(retryableCode).min(1),
});

const retryBudgetSchema = z.strictObject({
  /** Retries may add at most this fraction to the calls made in the window. */
  ratio: z.number().min(0).max(1),
  /** Retries always allowed per second, so a quiet client can still retry. */
  minPerSecond: z.number().min(0),
});

const breakerSchema = z.strictObject({
  /** Failure ratio over the window that opens the breaker; below 1, as cockatiel requires. */
  failureRatio: z.number().gt(0).lt(1),
  /** Calls per second needed in the window before the ratio counts. */
  minimumRps: z.number().min(0),
  window: duration,
  /** How long an open breaker fails fast before letting one trial call through. */
  halfOpenAfter: duration,
  /** Consecutive upstream failures that eject an endpoint (Envoy outlier detection). */
  consecutiveFailures: z.number().int().min(1),
});

const methodSchema = z.strictObject({ timeout: duration.optional(), retry: retrySchema.partial().optional() });

const upstreamSchema = z.strictObject({
  /** Superseded by the manifest's port; read only when no manifest is given. */
  port: z.number().int().min(1).max(65535).optional(),
  timeout: duration.optional(),
  retry: retrySchema.partial().optional(),
  retryBudget: retryBudgetSchema.partial().optional(),
  breaker: breakerSchema.partial().optional(),
  /** Keys are "Service/Method" with the short service name, e.g. "AuthService/Register". */
  methods: z.record(z.string().regex(/^[A-Za-z]+\/[A-Za-z]+$/, 'expected "Service/Method"'), methodSchema).default({}),
});

const policySchema = z.strictObject({
  defaults: z.strictObject({
    timeout: duration,
    /** Longest deadline a client may ask of a server (longer ones are cut to this). */
    maxTimeout: duration,
    retry: retrySchema,
    retryBudget: retryBudgetSchema,
    breaker: breakerSchema,
  }),
  upstreams: z.record(z.string().regex(/^[a-z]+$/, "expected a lowercase service name"), upstreamSchema),
});

type Raw = z.output<typeof policySchema>;
export type RetryPolicy = z.output<typeof retrySchema>;
export type RetryBudgetPolicy = z.output<typeof retryBudgetSchema>;
export type BreakerPolicy = z.output<typeof breakerSchema>;

/** What governs calls of one method: its timeout and retry settings. */
export interface MethodPolicy {
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** True for NO_SIDE_EFFECTS and IDEMPOTENT methods: only those are retried after reaching the server. */
  readonly idempotent: boolean;
}

/** What governs one upstream service as a whole. */
export interface UpstreamPolicy {
  readonly name: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly retryBudget: RetryBudgetPolicy;
  readonly breaker: BreakerPolicy;
}

/** Thrown when the policy file is malformed; the message names the file and each bad path. */
export class PolicyError extends Error {
  override name = "PolicyError";
}

/** The loaded, validated communication policy. */
export class CommunicationPolicy {
  private constructor(
    private readonly raw: Raw,
    readonly source: string,
    private readonly topology?: Manifest,
  ) {}

  /** Validates a parsed policy document; `source` names it in errors; upstreams are the manifest's services. */
  static fromObject(document: unknown, source = "policy", topology?: Manifest): CommunicationPolicy {
    const parsed = policySchema.safeParse(document);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
      throw new PolicyError(`${source} is invalid:\n  ${lines.join("\n  ")}`);
    }
    for (const [name, upstream] of Object.entries(parsed.data.upstreams)) {
      const merged = { ...parsed.data.defaults.retry, ...upstream.retry };
      if (merged.initialBackoff > merged.maxBackoff) {
        throw new PolicyError(`${source} is invalid:\n  upstreams.${name}.retry: initialBackoff is longer than maxBackoff`);
      }
    }
    if (topology) {
      const unknown = Object.keys(parsed.data.upstreams).filter((name) => !topology.services.some((s) => s.name === name));
      if (unknown.length > 0) throw new PolicyError(`${source} is invalid:\n  ${unknown.map((n) => `upstreams.${n}: no such service in ${topology.source}`).join("\n  ")}`);
    }
    return new CommunicationPolicy(parsed.data, source, topology);
  }

  /** Reads and validates a YAML policy file for the services of `topology`. */
  static load(path: string, topology?: Manifest): CommunicationPolicy {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new PolicyError(`cannot read policy file ${path}: ${(error as Error).message}`);
    }
    let document: unknown;
    try {
      document = parseYaml(text);
    } catch (error) {
      throw new PolicyError(`${path} is not valid YAML: ${(error as Error).message}`);
    }
    return CommunicationPolicy.fromObject(document, path, topology);
  }

  /** Every upstream: the manifest's services. */
  get upstreamNames(): string[] {
    return this.topology ? this.topology.services.map((s) => s.name) : Object.keys(this.raw.upstreams);
  }

  /** The longest deadline a server accepts. */
  get maxTimeoutMs(): number {
    return this.raw.defaults.maxTimeout;
  }

  /** The upstream that serves `service`: the manifest service listing it. */
  upstreamOf(service: DescService): string {
    const name = this.topology ? this.topology.serviceServing(service.typeName)?.name : service.typeName.split(".")[1];
    if (!name || (!this.topology && !this.raw.upstreams[name])) {
      throw new PolicyError(`${this.topology?.source ?? this.source} has no service serving ${service.typeName}`);
    }
    return name;
  }

  /** Settings of one upstream, defaults applied. */
  upstream(name: string): UpstreamPolicy {
    const known = this.topology ? this.topology.services.find((s) => s.name === name) : undefined;
    const upstream = this.raw.upstreams[name] ?? (known ? { methods: {} } : undefined);
    if (!upstream) throw new PolicyError(`${this.source} has no upstream named ${name}`);
    const d = this.raw.defaults;
    return {
      name,
      port: known?.port ?? ("port" in upstream ? (upstream.port as number) : 0),
      timeoutMs: upstream.timeout ?? d.timeout,
      retry: { ...d.retry, ...upstream.retry },
      retryBudget: { ...d.retryBudget, ...upstream.retryBudget },
      breaker: { ...d.breaker, ...upstream.breaker },
    };
  }

  private readonly methodCache = new WeakMap<DescMethod, MethodPolicy>();

  /** Settings of one method, falling back to its upstream's and then the defaults. */
  method(method: DescMethod): MethodPolicy {
    let resolved = this.methodCache.get(method);
    if (!resolved) {
      resolved = this.resolveMethod(method);
      this.methodCache.set(method, resolved);
    }
    return resolved;
  }

  private resolveMethod(method: DescMethod): MethodPolicy {
    const upstreamName = this.upstreamOf(method.parent);
    const upstream = this.upstream(upstreamName);
    const own = this.raw.upstreams[upstreamName]?.methods[`${method.parent.name}/${method.name}`];
    return {
      timeoutMs: own?.timeout ?? upstream.timeoutMs,
      retry: { ...upstream.retry, ...own?.retry },
      idempotent: method.idempotency !== 0, // IDEMPOTENCY_UNKNOWN is 0
    };
  }

  /** Checks that every method the policy names exists among `services`; throws PolicyError otherwise. */
  assertMethodsExist(services: readonly DescService[]): void {
    const upstreamName = (service: DescService) => (this.topology ? this.topology.serviceServing(service.typeName)?.name : service.typeName.split(".")[1]);
    const known = new Set(services.flatMap((s) => s.methods.map((m) => `${upstreamName(s)}:${s.name}/${m.name}`)));
    const unknown = Object.entries(this.raw.upstreams).flatMap(([upstream, u]) =>
      Object.keys(u.methods)
        .filter((key) => !known.has(`${upstream}:${key}`))
        .map((key) => `upstreams.${upstream}.methods.${key}: no such method in the contracts`),
    );
    if (unknown.length > 0) throw new PolicyError(`${this.source} is invalid:\n  ${unknown.join("\n  ")}`);
  }
}
