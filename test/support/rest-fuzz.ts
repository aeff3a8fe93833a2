// schemathesis against the OpenAPI document (contracts/openapi.json) through both edges, in front
// of the same running services: a user registered and signed in through each edge, so operations
// that need a token are reached. Used by test/openapi-fuzz.e2e.test.ts (bounded, fixed seed) and
// `npm run fuzz:rest` (longer, random seed).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAdminCommand } from "@junction/auth/admin-cli";
import { startEdge } from "@junction/edge";
import { createLogger, OPENAPI_DOCUMENT, type ServiceServer } from "@junction/platform";
import { repositoryRoot, tool } from "../../packages/platform/test/support/tools.js";
import { uniqueEmail } from "./accounts.js";
import { envoyDeploymentFor, startTestEnvoy, type TestEnvoy } from "./envoy.js";
import { TestPlatform } from "./platform.js";
import { startAudit, startAuth, startNotifications, startOrgs, startUsers } from "./services.js";

/** The checks every response must pass: no 5xx, and status, content type, headers and body as the document says. */
export const FUZZ_CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance", "response_schema_conformance"];

// Logging out would revoke the fuzzing user's own token halfway through; the parity corpus and the
// auth tests cover logout.
const EXCLUDED_OPERATIONS = ["junction.auth.v1.AuthService.Logout"];

/** Both edges in front of every service, with limits high enough for a fuzzer's pace. */
export interface FuzzTarget {
  readonly edges: ReadonlyArray<{ readonly name: "typescript" | "envoy"; readonly url: string }>;
  /** The platform's environment (for auth's admin CLI). */
  readonly env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** Starts the services, the TypeScript edge and Envoy. */
export async function startFuzzTarget(): Promise<FuzzTarget> {
  const limits = { perClientPerMinute: 100_000, perUserPerMinute: 100_000 };
  const platform = await TestPlatform.create(undefined, {
    JUNCTION_EDGE_RATE_LIMIT_PER_CLIENT: String(limits.perClientPerMinute),
    JUNCTION_EDGE_RATE_LIMIT_PER_USER: String(limits.perUserPerMinute),
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_IP: "100000",
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: "100000",
  });
  let edge: ServiceServer | undefined;
  let envoy: TestEnvoy | undefined;
  const close = async () => {
    await edge?.close();
    await envoy?.close();
    await platform.close();
  };
  try {
    for (const [name, start] of [["auth", startAuth], ["users", startUsers], ["orgs", startOrgs], ["notifications", startNotifications], ["audit", startAudit]] as const) {
      await platform.start(name, start);
    }
    edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
    envoy = await startTestEnvoy(await envoyDeploymentFor(platform));
    await envoy.untilHealthy();
    return { edges: [{ name: "typescript", url: edge.url }, { name: "envoy", url: envoy.url }], env: platform.env, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function postJson(url: string, body: unknown): Promise<Record<string, string>> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, string>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Registers a user through the edge at `baseUrl`, makes them an admin with auth's admin CLI (so the
 * admin-only audit operations are reached too) and logs in through the edge; returns the access token.
 */
export async function signInThrough(baseUrl: string, env: NodeJS.ProcessEnv): Promise<string> {
  const email = uniqueEmail("fuzz");
  const password = "correct-horse-9";
  await postJson(`${baseUrl}/v1/auth/register`, { email, password, displayName: "Fuzz" });
  await runAdminCommand(["grant-admin", email], env);
  return (await postJson(`${baseUrl}/v1/auth/login`, { email, password })).accessToken!;
}

/** What one schemathesis run found. */
export interface FuzzResult {
  readonly exitCode: number;
  /** Requests sent, by response status. */
  readonly statuses: Record<string, number>;
  /** Requests sent, by operation ("GET /v1/me") and response status. */
  readonly byOperation: Record<string, Record<string, number>>;
  /** How many operations got requests. */
  readonly operations: number;
  /** schemathesis's own summary: the failures it found, with the requests that reproduce them. */
  readonly output: string;
}

/** Runs schemathesis against `baseUrl` for at most `maxSeconds`, as the user with `accessToken`. */
export async function fuzz(baseUrl: string, accessToken: string, options: { maxSeconds: number; maxExamples: number; seed?: number }): Promise<FuzzResult> {
  const reports = mkdtempSync(join(tmpdir(), "junction-fuzz-"));
  const args = [
    "run",
    join(repositoryRoot, OPENAPI_DOCUMENT.file),
    "--url", baseUrl,
    "--header", `Authorization: Bearer ${accessToken}`,
    "--checks", FUZZ_CHECKS.join(","),
    ...EXCLUDED_OPERATIONS.flatMap((id) => ["--exclude-operation-id", id]),
    "--phases", "examples,coverage,fuzzing",
    "--max-time", String(options.maxSeconds),
    "--max-examples", String(options.maxExamples),
    // One worker: with two, hypothesis's shared caches sometimes fail schemathesis itself (a Runtime Error, not a finding).
    "--workers", "1",
    "--request-timeout", "10",
    "--generation-database", "none",
    "--suppress-health-check", "all",
    "--no-color",
    "--report", "ndjson",
    "--report-ndjson-path", join(reports, "events.ndjson"),
    ...(options.seed === undefined ? [] : ["--seed", String(options.seed)]),
  ];
  try {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(tool("schemathesis"), args, { cwd: repositoryRoot, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, SCHEMATHESIS_HOOKS: "" } }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
      });
    });
    return { exitCode: code, output, ...countResponses(join(reports, "events.ndjson")) };
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
}

// The ndjson report has one event a line; each scenario (labelled "VERB /path") records its interactions with their responses.
function countResponses(path: string): Pick<FuzzResult, "statuses" | "byOperation" | "operations"> {
  const statuses: Record<string, number> = {};
  const byOperation: Record<string, Record<string, number>> = {};
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { statuses, byOperation, operations: 0 };
  }
  const visit = (value: unknown, operation: string | undefined): void => {
    if (Array.isArray(value)) return value.forEach((item) => visit(item, operation));
    if (typeof value !== "object" || value === null) return;
    const record = value as Record<string, unknown>;
    if (typeof record.label === "string" && /^(GET|POST|PATCH|PUT|DELETE) \//.test(record.label)) operation = record.label;
    const response = record.response as Record<string, unknown> | undefined | null;
    if (record.request && response && typeof response.status_code === "number") {
      const status = String(response.status_code);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (operation) {
        const counts = (byOperation[operation] ??= {});
        counts[status] = (counts[status] ?? 0) + 1;
      }
    }
    for (const child of Object.values(record)) visit(child, operation);
  };
  for (const line of text.split("\n")) if (line.trim()) visit(JSON.parse(line), undefined);
  return { statuses, byOperation, operations: Object.keys(byOperation).length };
}
