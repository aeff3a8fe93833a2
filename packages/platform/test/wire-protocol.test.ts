// The platform client over each wire protocol it offers, against a real service server: the
// resilient transport's deadline and breaker are the same whatever travels underneath.
import test, { type ExecutionContext } from "ava";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { InternalOrgsService, ListUserOrganizationsResponseSchema } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { createServiceClient } from "../src/client.js";
import { bind, startServiceServer } from "../src/server/service-server.js";
import type { WireProtocol } from "../src/wire-protocol.js";
import { testPolicy } from "./support/policy.js";
import { quietLogger } from "./support/silent-logger.js";

async function startOrgs(t: ExecutionContext, seen: string[] = []) {
  const server = await startServiceServer({
    name: "orgs",
    port: 0,
    policy: testPolicy({ orgs: 1 }),
    logger: quietLogger("orgs"),
    services: [
      bind(InternalOrgsService, {
        listUserOrganizations(req, ctx) {
          seen.push(`${ctx.requestHeader.get("content-type")} ${ctx.requestHeader.get("grpc-encoding") ?? ctx.requestHeader.get("content-encoding") ?? "identity"}`);
          return create(ListUserOrganizationsResponseSchema, { organizations: [{ organization: { orgId: `org-of-${req.userId}`, name: "x".repeat(2000) } }] });
        },
      }),
    ],
  });
  t.teardown(() => server.close());
  return server;
}

const wires: Record<string, { wire: WireProtocol; contentType: string }> = {
  "gRPC (the default)": { wire: {}, contentType: "application/grpc" },
  "Connect over HTTP/1.1, JSON, gzip": { wire: { protocol: "connect", httpVersion: "1.1", codec: "json", compression: "gzip", compressMinBytes: 0 }, contentType: "application/json gzip" },
  "Connect over h2c": { wire: { protocol: "connect" }, contentType: "application/proto identity" },
  "gRPC-Web over HTTP/1.1, br": { wire: { protocol: "grpc-web", httpVersion: "1.1", compression: "br", compressMinBytes: 0 }, contentType: "application/grpc-web+proto br" },
};

for (const [name, { wire, contentType }] of Object.entries(wires)) {
  test(`the platform client calls over ${name}`, async (t) => {
    const seen: string[] = [];
    const server = await startOrgs(t, seen);
    const client = createServiceClient(InternalOrgsService, { policy: testPolicy({ orgs: server.port }), urls: [server.url], retries: false, wire });
    const res = await client.listUserOrganizations({ userId: "u1" });
    t.is(res.organizations[0]?.organization?.orgId, "org-of-u1");
    t.true(seen[0]!.startsWith(contentType.split(" ")[0]!), seen[0]);
    if (contentType.includes(" ")) t.true(seen[0]!.endsWith(contentType.split(" ")[1]!), seen[0]);
  });
}

test("a response larger than the client's maxMessageBytes is RESOURCE_EXHAUSTED", async (t) => {
  const server = await startOrgs(t);
  const client = createServiceClient(InternalOrgsService, { policy: testPolicy({ orgs: server.port }), urls: [server.url], retries: false, wire: { maxMessageBytes: 1000 } });
  const error = await t.throwsAsync(client.listUserOrganizations({ userId: "u1" }));
  t.is(ConnectError.from(error).code, Code.ResourceExhausted);
});

test("gRPC over HTTP/1.1 is refused when the client is made, not at the first call", (t) => {
  t.throws(() => createServiceClient(InternalOrgsService, { policy: testPolicy({ orgs: 1 }), urls: ["http://127.0.0.1:1"], wire: { httpVersion: "1.1" } }), {
    message: /gRPC needs HTTP\/2/,
  });
});
