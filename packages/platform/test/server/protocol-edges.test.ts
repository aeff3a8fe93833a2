// The service server where the Connect conformance suite found it wrong: request messages have a
// size limit.
import test, { type ExecutionContext } from "ava";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { InternalOrgsService, ListUserOrganizationsResponseSchema } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../../src/message-limits.js";
import { bind, startServiceServer, type ServiceServerOptions } from "../../src/server/service-server.js";
import { quietLogger } from "../support/silent-logger.js";
import { testPolicy } from "../support/policy.js";

async function startOrgs(t: ExecutionContext, options: Partial<ServiceServerOptions> = {}) {
  const server = await startServiceServer({
    name: "orgs",
    port: 0,
    policy: testPolicy({ orgs: 1 }),
    logger: quietLogger("orgs"),
    services: [
      bind(InternalOrgsService, {
        listUserOrganizations: (req) => create(ListUserOrganizationsResponseSchema, { organizations: [{ organization: { orgId: `org-of-${req.userId}` } }] }),
      }),
    ],
    ...options,
  });
  t.teardown(() => server.close());
  return server;
}

test("by default a request message over 4 MiB is RESOURCE_EXHAUSTED", async (t) => {
  const server = await startOrgs(t);
  const client = createClient(InternalOrgsService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }));
  const error = await t.throwsAsync(client.listUserOrganizations({ userId: "x".repeat(DEFAULT_MAX_MESSAGE_BYTES + 1) }));
  t.is(ConnectError.from(error).code, Code.ResourceExhausted);
  t.is((await client.listUserOrganizations({ userId: "x".repeat(1000) })).organizations.length, 1);
});
