// The policy file is validated on load: a malformed file fails start with a message naming
// the file and the bad entry; the repository's policy.yaml is valid and names real methods.
import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { Manifest } from "../src/manifest/manifest.js";
import { CommunicationPolicy, PolicyError } from "../src/policy.js";

const repoPolicy = new URL("../../../policy.yaml", import.meta.url).pathname;
const manifest = Manifest.load(new URL("../../../manifest.yaml", import.meta.url).pathname);
const allServices = [AuthService, InternalAuthService, UsersService, OrgsService, InternalOrgsService, NotificationsService, AuditService];

function policyFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "junction-policy-")), "policy.yaml");
  writeFileSync(path, text);
  return path;
}

test("the repository's policy.yaml is valid for the manifest's services, and every method it names exists", (t) => {
  const policy = CommunicationPolicy.load(repoPolicy, manifest);
  policy.assertMethodsExist(allServices);
  t.deepEqual(policy.upstreamNames.sort(), ["audit", "auth", "notifications", "orgs", "users"]);
  t.is(policy.upstream("auth").port, 50051);
});

test("per-method settings override the upstream's, which override the defaults", (t) => {
  const policy = CommunicationPolicy.load(repoPolicy, manifest);
  const register = AuthService.methods.find((m) => m.name === "Register")!;
  const jwks = AuthService.methods.find((m) => m.name === "GetJwks")!;
  t.is(policy.method(register).timeoutMs, 5000);
  t.is(policy.method(jwks).timeoutMs, 2000);
  t.false(policy.method(register).idempotent);
  t.true(policy.method(jwks).idempotent);
  t.is(policy.method(jwks).retry.maxAttempts, 3);
});

test("a malformed duration fails with the file and the path of the bad entry", (t) => {
  const path = policyFile(`
defaults:
  timeout: fast
  maxTimeout: 30s
  retry: { maxAttempts: 3, initialBackoff: 25ms, maxBackoff: 250ms, retryOn: [unavailable] }
  retryBudget: { ratio: 0.2, minPerSecond: 10 }
  breaker: { failureRatio: 0.5, minimumRps: 5, window: 10s, halfOpenAfter: 5s, consecutiveFailures: 5 }
upstreams: {}
`);
  const error = t.throws(() => CommunicationPolicy.load(path), { instanceOf: PolicyError });
  t.true(error!.message.includes(path));
  t.regex(error!.message, /defaults\.timeout: expected a positive duration .*"fast"/);
});

test("unknown keys, missing sections and impossible values are each reported", (t) => {
  const error = t.throws(
    () =>
      CommunicationPolicy.fromObject(
        { defaults: { timeout: "1s", maxTimeout: "30s", retries: 3 }, upstreams: { Auth: { port: 70000 } } },
        "policy.yaml",
      ),
    { instanceOf: PolicyError },
  );
  t.regex(error!.message, /defaults: Unrecognized key.*retries/);
  t.regex(error!.message, /defaults\.retry: /);
  t.regex(error!.message, /upstreams\.Auth: /);
});

test("a method that is not in the contracts is refused", (t) => {
  const policy = CommunicationPolicy.fromObject({
    defaults: {
      timeout: "1s",
      maxTimeout: "30s",
      retry: { maxAttempts: 2, initialBackoff: "10ms", maxBackoff: "20ms", retryOn: ["unavailable"] },
      retryBudget: { ratio: 0.2, minPerSecond: 1 },
      breaker: { failureRatio: 0.5, minimumRps: 1, window: "1s", halfOpenAfter: "1s", consecutiveFailures: 5 },
    },
    upstreams: { auth: { port: 50051, methods: { "AuthService/LogIn": { timeout: "1s" } } } },
  });
  const error = t.throws(() => policy.assertMethodsExist(allServices), { instanceOf: PolicyError });
  t.regex(error!.message, /AuthService\/LogIn: no such method/);
});

test("a breaker failureRatio of 1 is refused at load, not by every client later", (t) => {
  const error = t.throws(
    () =>
      CommunicationPolicy.fromObject({
        defaults: {
          timeout: "1s",
          maxTimeout: "30s",
          retry: { maxAttempts: 2, initialBackoff: "10ms", maxBackoff: "20ms", retryOn: ["unavailable"] },
          retryBudget: { ratio: 0.2, minPerSecond: 1 },
          breaker: { failureRatio: 1, minimumRps: 1, window: "1s", halfOpenAfter: "1s", consecutiveFailures: 5 },
        },
        upstreams: { auth: { port: 50051 } },
      }),
    { instanceOf: PolicyError },
  );
  t.regex(error!.message, /defaults\.breaker\.failureRatio: /);
});

test("a policy that is not YAML, or missing, says so", (t) => {
  t.throws(() => CommunicationPolicy.load(policyFile("defaults: [unclosed")), { message: /not valid YAML/ });
  t.throws(() => CommunicationPolicy.load("/nonexistent/policy.yaml"), { message: /cannot read policy file/ });
});

test("upstreams are the manifest's services: one the manifest lacks is refused, ports come from the manifest", (t) => {
  const document = { defaults: { timeout: "1s", maxTimeout: "30s", retry: { maxAttempts: 2, initialBackoff: "10ms", maxBackoff: "20ms", retryOn: ["unavailable"] }, retryBudget: { ratio: 0.2, minPerSecond: 1 }, breaker: { failureRatio: 0.5, minimumRps: 1, window: "1s", halfOpenAfter: "1s", consecutiveFailures: 5 } }, upstreams: { billing: {} } };
  t.throws(() => CommunicationPolicy.fromObject(document, "p.yaml", manifest), { instanceOf: PolicyError, message: /upstreams\.billing: no such service in .*manifest\.yaml/ });
  const policy = CommunicationPolicy.fromObject({ ...document, upstreams: {} }, "p.yaml", manifest);
  t.is(policy.upstream("orgs").port, 50053);
  t.is(policy.upstreamOf(InternalOrgsService), "orgs");
});
