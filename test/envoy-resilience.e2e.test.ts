// Resilience through the real Envoy, as rendered from policy.yaml: a route's timeout is a 504 in
// the platform's error shape; an idempotent method is retried on UNAVAILABLE and a
// non-idempotent one is not; two instances of a service behind the internal listener survive
// losing one, and get traffic back when it returns; a deadline the caller sets is honoured by
// every hop. Upstreams are small servers built here when a test needs to control their answers.
import test from "ava";
import { readFileSync } from "node:fs";
import type http from "node:http";
import { join } from "node:path";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { parse } from "yaml";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { bind, CommunicationPolicy, createLogger, createServiceClient, createServiceTokenIssuer, type ServiceBinding, type ServiceServer, serviceTokenInterceptor, startServiceServer } from "@junction/platform";
import { loadJunction } from "@junction/tools/junction";
import { freePort } from "../packages/platform/test/support/ports.js";
import { repositoryRoot } from "../packages/platform/test/support/tools.js";
import { callsThrough, envoyDeploymentFor, startTestEnvoy } from "./support/envoy.js";
import { TestPlatform, eventually } from "./support/platform.js";
import { startOrgs } from "./support/services.js";

const logger = createLogger("resilience", "error");
const policyText = readFileSync(join(repositoryRoot, "policy.yaml"), "utf8");
const { manifest, policy } = loadJunction();

/** policy.yaml with `changes` applied to upstream `upstream`'s methods. */
function policyWith(upstream: string, methods: Record<string, unknown>): CommunicationPolicy {
  const document = parse(policyText) as { upstreams: Record<string, { methods?: Record<string, unknown> }> };
  document.upstreams[upstream]!.methods = { ...document.upstreams[upstream]!.methods, ...methods };
  return CommunicationPolicy.fromObject(document, "policy.yaml", manifest);
}

const { publicKey, privateKey } = await generateKeyPair("EdDSA", { extractable: true });
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "test-key", alg: "EdDSA", use: "sig" }] };
const accessToken = await new SignJWT({ sid: "s1", roles: ["ROLE_USER"] })
  .setProtectedHeader({ alg: "EdDSA", kid: "test-key" })
  .setSubject("00000000-0000-4000-8000-000000000001")
  .setIssuer("junction-auth")
  .setAudience("junction")
  .setIssuedAt()
  .setExpirationTime("10m")
  .sign(privateKey);

/** A server standing in for an upstream, serving `bindings` and (as auth does) the key set tokens verify against. */
async function upstreamServer(name: string, bindings: ServiceBinding[]): Promise<ServiceServer> {
  return startServiceServer({
    name,
    port: 0,
    policy,
    logger,
    services: bindings,
    httpRoutes: {
      "/.well-known/jwks.json": (_req, res) => {
        (res as http.ServerResponse).writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(jwks));
      },
    },
  });
}

/** A deployment whose `upstreams` are these servers, and every other upstream a port nobody listens on. */
async function fakeDeployment(platform: TestPlatform, upstreams: Record<string, ServiceServer[]>) {
  const endpoints = Object.fromEntries(
    await Promise.all(
      policy.upstreamNames.map(async (name) => [
        name,
        upstreams[name]?.map((server) => ({ host: "127.0.0.1", port: server.port })) ?? [{ host: "127.0.0.1", port: await freePort() }],
      ]),
    ),
  );
  return envoyDeploymentFor(platform, { endpoints });
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

test("a route's timeout is a 504 with the platform's JSON error, and DEADLINE_EXCEEDED to gRPC callers", async (t) => {
  const platform = await TestPlatform.create(t);
  const auth = await upstreamServer("auth", [bind(AuthService, { getJwks: async (_req, ctx) => (await sleep(1500, ctx.signal), { keys: [] }) })]);
  t.teardown(() => auth.close());
  const envoy = await startTestEnvoy(await fakeDeployment(platform, { auth: [auth] }), policyWith("auth", { "AuthService/GetJwks": { timeout: "300ms" } }));
  t.teardown(() => envoy.close());
  await envoy.untilHealthy(["auth"]);

  const started = Date.now();
  const res = await fetch(`${envoy.url}/.well-known/jwks.json`);
  const elapsed = Date.now() - started;
  t.is(res.status, 504);
  t.is(res.headers.get("content-type"), "application/json");
  t.deepEqual(await res.json(), { code: Code.DeadlineExceeded, message: "the operation timed out", details: [] });
  t.true(elapsed >= 280 && elapsed < 1200, `answered at the route's timeout, after ${elapsed} ms`);

  const viaGrpc = await t.throwsAsync(createClient(AuthService, createGrpcTransport({ baseUrl: envoy.url })).getJwks({}));
  t.is(ConnectError.from(viaGrpc).code, Code.DeadlineExceeded);
});

test("an idempotent method is retried on UNAVAILABLE; a non-idempotent one is not", async (t) => {
  const platform = await TestPlatform.create(t);
  const calls = { getJwks: 0, register: 0 };
  const auth = await upstreamServer("auth", [
    bind(AuthService, {
      getJwks: () => {
        if (++calls.getJwks <= 2) throw new ConnectError("not yet", Code.Unavailable);
        return { keys: [{ kty: "OKP", kid: "k" }] };
      },
      register: () => {
        calls.register++;
        throw new ConnectError("try again", Code.Unavailable);
      },
    }),
  ]);
  t.teardown(() => auth.close());
  const envoy = await startTestEnvoy(await fakeDeployment(platform, { auth: [auth] }));
  t.teardown(() => envoy.close());
  await envoy.untilHealthy(["auth"]);
  const maxAttempts = policy.method(AuthService.method.getJwks).retry.maxAttempts;
  t.is(maxAttempts, 3, "policy.yaml allows three attempts");

  const jwksRes = await fetch(`${envoy.url}/.well-known/jwks.json`);
  t.is(jwksRes.status, 200, "the third attempt answered");
  t.is(calls.getJwks, 3);
  // Connect passes through untouched: the service's UNAVAILABLE is an HTTP 503, retried too.
  calls.getJwks = 0;
  const viaConnect = await createClient(AuthService, createConnectTransport({ baseUrl: envoy.url, httpVersion: "1.1" })).getJwks({});
  t.is(viaConnect.keys.length, 1);
  t.is(calls.getJwks, 3, "a Connect call is retried the same way");

  const register = await fetch(`${envoy.url}/v1/auth/register`, { method: "POST", body: JSON.stringify({ email: "a@example.com", password: "p", display_name: "A" }) });
  t.is(register.status, 503);
  t.like(await register.json(), { code: Code.Unavailable, message: "try again" });
  await sleep(300);
  t.is(calls.register, 1, "Register may have had a side effect: never replayed");
});

test("two orgs instances behind the internal listener: losing one is absorbed, and it gets traffic again when it is back", async (t) => {
  t.timeout(60_000);
  const platform = await TestPlatform.create(t);
  const first = await platform.start("orgs", startOrgs);
  const secondPort = await freePort();
  const startSecond = () => startOrgs({ env: { ...platform.env, JUNCTION_ORGS_PORT: String(secondPort) }, logger });
  let second = await startSecond();
  t.teardown(() => second.close());
  const envoy = await startTestEnvoy(
    await envoyDeploymentFor(platform, { endpoints: { ...(await envoyDeploymentFor(platform)).endpoints, orgs: [{ host: "127.0.0.1", port: first.port }, { host: "127.0.0.1", port: secondPort }] } }),
  );
  t.teardown(() => envoy.close());
  await envoy.untilHealthy(["orgs"]);

  // A service calling orgs through Envoy, with its client retries off: Envoy's retries only.
  const secret = new TextEncoder().encode(platform.env.JUNCTION_SERVICE_SECRET);
  const orgs = createServiceClient(InternalOrgsService, {
    policy,
    urls: [envoy.internalUrl],
    retries: false,
    interceptors: [serviceTokenInterceptor(createServiceTokenIssuer("users", secret))],
  });
  const call = () => orgs.listUserOrganizations({ userId: "00000000-0000-4000-8000-000000000001" });
  const successes = async () => (await envoy.successesByPort("orgs")).get(secondPort) ?? 0;

  for (let i = 0; i < 10; i++) await call();
  t.true((await successes()) > 0, "both instances take traffic");

  await second.close();
  const failures: string[] = [];
  const before = await successes();
  for (let i = 0; i < 40; i++) {
    await call().catch((error: unknown) => failures.push(ConnectError.from(error).message));
    await sleep(50);
  }
  t.deepEqual(failures, [], "every call during the outage was answered");
  t.is(await successes(), before, "nothing reached the stopped instance");

  second = await startSecond();
  const back = await eventually(
    async () => {
      await call();
      return (await successes()) > before ? true : undefined;
    },
    "traffic to return to the restarted instance",
    20_000,
    100,
  );
  t.true(back);
});

test("a deadline the caller sets is honoured by every hop: Envoy, the service, Envoy's internal listener, the next service", async (t) => {
  const platform = await TestPlatform.create(t);
  const seen: Array<{ timeoutMs: number | undefined; abortedAfterMs?: number }> = [];
  const orgs = await upstreamServer("orgs", [
    bind(OrgsService, {}),
    bind(InternalOrgsService, {
      listUserOrganizations: async (_req, ctx: HandlerContext) => {
        const started = Date.now();
        const record = { timeoutMs: ctx.timeoutMs() } as (typeof seen)[number];
        seen.push(record);
        await sleep(5_000, ctx.signal);
        record.abortedAfterMs = Date.now() - started;
        return { organizations: [] };
      },
    }),
  ]);
  t.teardown(() => orgs.close());
  const envoyPorts = await envoyDeploymentFor(platform);
  // users' client for orgs goes through Envoy's internal listener, as in npm start with Envoy.
  const throughEnvoy = callsThrough(envoyPorts);
  const users = await upstreamServer("users", [
    bind(UsersService, {
      getMe: async () => {
        const client = createServiceClient(InternalOrgsService, { policy, env: { ...throughEnvoy } });
        await client.listUserOrganizations({ userId: "00000000-0000-4000-8000-000000000001" });
        return {};
      },
    }),
  ]);
  t.teardown(() => users.close());
  const auth = await upstreamServer("auth", [bind(AuthService, {})]);
  t.teardown(() => auth.close());
  const envoy = await startTestEnvoy({ ...envoyPorts, endpoints: { ...(await fakeDeployment(platform, { auth: [auth], users: [users], orgs: [orgs] })).endpoints } });
  t.teardown(() => envoy.close());
  await envoy.untilHealthy(["auth", "users", "orgs"]);

  const headers = { authorization: `Bearer ${accessToken}` };
  for (const [protocol, transport] of [
    ["gRPC (grpc-timeout)", createGrpcTransport({ baseUrl: envoy.url })],
    ["Connect (connect-timeout-ms)", createConnectTransport({ baseUrl: envoy.url, httpVersion: "1.1" })],
  ] as const) {
    seen.length = 0;
    const started = Date.now();
    const error = await t.throwsAsync(createClient(UsersService, transport).getMe({}, { headers, timeoutMs: 600 }));
    t.is(ConnectError.from(error).code, Code.DeadlineExceeded, protocol);
    t.true(Date.now() - started < 1_500, `${protocol}: the caller's 600 ms, not GetMe's 3 s route timeout`);
    const hop = await eventually(async () => (seen[0]?.abortedAfterMs !== undefined ? seen[0] : undefined), `${protocol}: orgs to give up`);
    t.true(hop.timeoutMs !== undefined && hop.timeoutMs <= 600, `${protocol}: orgs was given what was left of 600 ms (${hop.timeoutMs} ms)`);
    t.true(hop.abortedAfterMs! < 1_000, `${protocol}: orgs stopped when the deadline passed (${hop.abortedAfterMs} ms)`);
  }
});
