// The manifest: the repository's is valid and says what the system is; malformed or
// inconsistent ones fail with the file and every problem named; ports and URLs follow the
// environment.
import test from "ava";
import { fileURLToPath } from "node:url";
import { Manifest, ManifestError } from "../src/manifest/manifest.js";
import { servicePort, serviceUrls } from "../src/manifest/addresses.js";

const repositoryManifest = fileURLToPath(new URL("../../../manifest.yaml", import.meta.url));

const valid = () => ({
  contracts: "descriptors.binpb",
  edge: { port: 8080, internalPort: 9090, adminPort: 9901, main: "edge.ts" },
  identity: { issuer: "a", jwksPath: "/.well-known/jwks.json" },
  services: {
    a: { port: 1001, main: "a.ts", public: ["x.a.v1.AService"], database: "db_a", publishes: true },
    b: { port: 1002, main: "b.ts", internal: ["x.b.v1.InternalBService"], database: "db_b", consumes: ["a"], pages: ["/b-page"] },
  },
});

test("the repository's manifest declares the five services, their APIs, streams and pages", (t) => {
  const manifest = Manifest.load(repositoryManifest);
  t.deepEqual(manifest.services.map((s) => [s.name, s.port]), [["auth", 50051], ["users", 50052], ["orgs", 50053], ["notifications", 50054], ["audit", 50055]]);
  t.deepEqual(manifest.producers, ["auth", "users", "orgs", "notifications"]);
  t.deepEqual(manifest.consumers.find((c) => c.service === "audit")?.streams, ["auth", "users", "orgs", "notifications"]);
  t.is(manifest.serviceServing("junction.auth.v1.InternalAuthService")?.name, "auth");
  t.deepEqual(manifest.internalApis, ["junction.auth.v1.InternalAuthService", "junction.orgs.v1.InternalOrgsService"]);
  t.deepEqual(manifest.service("auth").pages, ["/verify-email", "/reset-password"]);
  t.is(manifest.edge.port, 8080);
  t.true(manifest.service("users").main.endsWith("/services/users/src/main.ts"));
});

test("a malformed manifest names the file and each bad path", (t) => {
  const document = valid() as Record<string, unknown>;
  (document.services as Record<string, Record<string, unknown>>).a!.port = "eighty";
  (document.services as Record<string, Record<string, unknown>>).b!.public = ["not a service name"];
  const error = t.throws(() => Manifest.fromObject(document, "bad.yaml"), { instanceOf: ManifestError });
  t.regex(error!.message, /bad\.yaml is invalid/);
  t.regex(error!.message, /services\.a\.port/);
  t.regex(error!.message, /services\.b\.public\.0: expected a full protobuf service name/);
});

test("inconsistencies are reported together: shared ports, APIs served twice, unknown streams, events without a database", (t) => {
  const document = valid();
  Object.assign(document.services, {
    c: { port: 1001, main: "c.ts", public: ["x.a.v1.AService"], consumes: ["b", "nobody"], pages: ["/b-page"] },
  });
  const error = t.throws(() => Manifest.fromObject(document, "twice.yaml"), { instanceOf: ManifestError });
  for (const problem of [
    /services\.c\.port: 1001 is already services\.a\.port/,
    /services\.c: x\.a\.v1\.AService is already served by a/,
    /services\.c\.consumes: b publishes no events/,
    /services\.c\.consumes: no service "nobody"/,
    /services\.c: events need a database/,
    /services\.c\.pages: \/b-page is already served by b/,
  ]) {
    t.regex(error!.message, problem);
  }
  t.throws(() => Manifest.fromObject({ ...valid(), identity: { issuer: "ghost", jwksPath: "/k" } }), { message: /identity\.issuer: no service "ghost"/ });
});

test("ports and URLs come from the manifest unless the environment moves them", (t) => {
  const manifest = Manifest.fromObject(valid());
  const a = manifest.service("a");
  t.is(servicePort(a, {}), 1001);
  t.is(servicePort(a, { JUNCTION_A_PORT: "2001" }), 2001);
  t.deepEqual(serviceUrls(a, {}), ["http://127.0.0.1:1001"]);
  t.deepEqual(serviceUrls(a, { JUNCTION_A_PORT: "2001" }), ["http://127.0.0.1:2001"]);
  t.deepEqual(serviceUrls(a, { JUNCTION_A_URL: "http://h1:1,http://h2:2" }), ["http://h1:1", "http://h2:2"]);
  t.throws(() => manifest.service("zzz"), { message: /declares no service "zzz" \(it declares a, b\)/ });
});
