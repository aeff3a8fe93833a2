// Typed configuration from the environment, validated once at start. A bad value fails start
// with a message naming the variable, never later with an undefined.
import { z } from "zod";

/** One environment variable: its name, how to parse it, and its default. */
export interface EnvVar<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  readonly hint: string;
}

/** Thrown at start when variables are missing or malformed; lists every bad one. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

const present = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);

/** A string variable, required unless a default is given. */
export function envString(name: string, fallback?: string): EnvVar<string> {
  const schema = z.preprocess(present, fallback === undefined ? z.string() : z.string().default(fallback));
  return { name, schema: schema as z.ZodType<string>, hint: "a non-empty string" };
}

/** An integer variable within bounds. */
export function envInt(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): EnvVar<number> {
  const schema = z.preprocess(present, z.coerce.number().int().min(min).max(max).default(fallback));
  return { name, schema: schema as z.ZodType<number>, hint: `an integer from ${min} to ${max}` };
}

/** A TCP port variable. */
export function envPort(name: string, fallback: number): EnvVar<number> {
  return { ...envInt(name, fallback, 0, 65535), hint: "a port number from 0 to 65535" };
}

/** A boolean variable: true/false, 1/0, yes/no. */
export function envBool(name: string, fallback: boolean): EnvVar<boolean> {
  const schema = z.preprocess(
    (v) => (present(v as string) === undefined ? fallback : String(v).toLowerCase()),
    z.union([z.boolean(), z.enum(["true", "1", "yes", "false", "0", "no"]).transform((v) => ["true", "1", "yes"].includes(v))]),
  );
  return { name, schema: schema as z.ZodType<boolean>, hint: "true or false" };
}

/** A URL variable (any scheme). */
export function envUrl(name: string, fallback?: string): EnvVar<string> {
  const base = z.string().refine((v) => URL.canParse(v), "not a URL");
  const schema = z.preprocess(present, fallback === undefined ? base : base.default(fallback));
  return { name, schema: schema as z.ZodType<string>, hint: "a URL" };
}

/** A comma-separated list of URLs, at least one. */
export function envUrlList(name: string, fallback?: string): EnvVar<string[]> {
  const list = z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .refine((urls) => urls.length > 0 && urls.every((u) => URL.canParse(u)), "not a comma-separated list of URLs");
  const schema = z.preprocess((v) => present(v as string) ?? fallback, list);
  return { name, schema: schema as z.ZodType<string[]>, hint: "comma-separated URLs" };
}

/** A variable restricted to a set of values. */
export function envEnum<const T extends readonly [string, ...string[]]>(name: string, values: T, fallback: T[number]): EnvVar<T[number]> {
  const schema = z.preprocess(present, z.enum(values).default(fallback));
  return { name, schema: schema as z.ZodType<T[number]>, hint: `one of ${values.join(", ")}` };
}

type Parsed<S> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

/** Reads every variable of `spec` from `env`; throws one ConfigError naming each bad variable. */
export function loadConfig<S extends Record<string, EnvVar<unknown>>>(spec: S, env: NodeJS.ProcessEnv = process.env): Parsed<S> {
  const result: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, variable] of Object.entries(spec)) {
    const parsed = variable.schema.safeParse(env[variable.name]);
    if (parsed.success) result[key] = parsed.data;
    else {
      const got = env[variable.name] === undefined ? "it is not set" : `got ${JSON.stringify(env[variable.name])}`;
      problems.push(`${variable.name}: expected ${variable.hint}, ${got}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as Parsed<S>;
}

/** The variable that turns development mode on: public defaults (the development service secret, CORS for localhost) are allowed only then. */
export const DEVELOPMENT_MODE_ENV = "JUNCTION_DEV_MODE";

/** Whether this process runs in development mode (JUNCTION_DEV_MODE=true). */
export function developmentMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return loadConfig({ on: envBool(DEVELOPMENT_MODE_ENV, false) }, env).on;
}
