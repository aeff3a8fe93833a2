// A NUL character in any string of a request message is INVALID_ARGUMENT naming the field, in
// every protocol, before the handler runs: PostgreSQL text cannot hold one, so a handler that
// stored or looked it up would fail with INTERNAL (the protocol fuzz found this through auth's
// Login). Strings without one, and NULs in bytes fields, pass.
import test from "ava";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { InternalOrgsService, ListUserOrganizationsResponseSchema } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { fieldViolations } from "../../src/errors.js";
import { pathsWithNul } from "../../src/server/nul-characters.js";
import { bind, startServiceServer } from "../../src/server/service-server.js";
import { quietLogger } from "../support/silent-logger.js";
import { testPolicy } from "../support/policy.js";

test("a NUL in a string field is INVALID_ARGUMENT over gRPC, gRPC-Web and Connect, and the handler never runs", async (t) => {
  let handled = 0;
  const server = await startServiceServer({
    name: "orgs",
    port: 0,
    policy: testPolicy({ orgs: 1 }),
    logger: quietLogger("orgs"),
    services: [bind(InternalOrgsService, { listUserOrganizations: () => (handled++, create(ListUserOrganizationsResponseSchema, {})) })],
  });
  t.teardown(() => server.close());
  const transports = {
    grpc: createGrpcTransport({ baseUrl: server.url }),
    "grpc-web": createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" }),
    connect: createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }),
    "connect proto": createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", useBinaryFormat: true }),
  };
  for (const [name, transport] of Object.entries(transports)) {
    const client = createClient(InternalOrgsService, transport);
    const error = await t.throwsAsync(client.listUserOrganizations({ userId: "u1\u0000" }), { instanceOf: ConnectError }, name);
    t.is(error?.code, Code.InvalidArgument, name);
    t.deepEqual(fieldViolations(error), [{ field: "user_id", description: "must not contain a NUL character" }], name);
    await t.notThrowsAsync(client.listUserOrganizations({ userId: "u1" }), `${name}: a string without one passes`);
  }
  t.is(handled, Object.keys(transports).length, "only the clean calls reached the handler");
});

test("NULs are found in nested messages, lists and map keys and values", (t) => {
  const struct = create(StructSchema, {
    fields: {
      clean: { kind: { case: "stringValue", value: "ok" } },
      "key\u0000": { kind: { case: "stringValue", value: "ok" } },
      nested: { kind: { case: "listValue", value: { values: [{ kind: { case: "stringValue", value: "a\u0000" } }] } } },
    },
  });
  t.deepEqual(pathsWithNul(StructSchema, struct).sort(), ['fields["key\\u0000"]', 'fields["nested"].list_value.values[0].string_value'].sort());
  t.deepEqual(pathsWithNul(StructSchema, create(StructSchema, { fields: { a: { kind: { case: "stringValue", value: "fine" } } } })), []);
});
