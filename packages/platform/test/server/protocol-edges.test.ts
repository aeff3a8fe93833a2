// The service server where the Connect conformance suite found it wrong: request messages have a
// size limit, a request answered before it was read stalls neither its client nor its connection,
// the JSON codec knows the types an Any may hold, and an RPC no one serves is UNIMPLEMENTED in the
// caller's protocol.
import http from "node:http";
import http2 from "node:http2";
import test, { type ExecutionContext } from "ava";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { InternalOrgsService, ListUserOrganizationsResponseSchema } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../../src/message-limits.js";
import { bind, startServiceServer, type ServiceServerOptions } from "../../src/server/service-server.js";
import { contractRegistry } from "../../src/type-registry.js";
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

test("an RPC the server does not serve is UNIMPLEMENTED to a gRPC client, in a trailers-only response", async (t) => {
  const server = await startOrgs(t);
  const session = http2.connect(server.url);
  t.teardown(() => session.close());
  const stream = session.request({ ":method": "POST", ":path": "/junction.audit.v1.AuditService/VerifyAuditChain", "content-type": "application/grpc", te: "trailers" });
  stream.end(Buffer.from([0, 0, 0, 0, 0]));
  const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once("response", resolve));
  stream.resume();
  t.is(Number(headers[":status"]), 200);
  t.is(headers["grpc-status"], String(Code.Unimplemented));
  const error = await t.throwsAsync(createClient(AuditService, createGrpcTransport({ baseUrl: server.url })).verifyAuditChain({}));
  t.is(ConnectError.from(error).code, Code.Unimplemented);
});

test("an RPC the server does not serve is UNIMPLEMENTED to a gRPC-Web client", async (t) => {
  const server = await startOrgs(t);
  const res = await fetch(`${server.url}/junction.audit.v1.AuditService/VerifyAuditChain`, { method: "POST", headers: { "content-type": "application/grpc-web+proto" }, body: new Uint8Array(5) });
  t.is(res.status, 200);
  t.is(res.headers.get("grpc-status"), String(Code.Unimplemented));
});

test("an RPC the server does not serve is a Connect error 'unimplemented' to a Connect client", async (t) => {
  const server = await startOrgs(t);
  const res = await fetch(`${server.url}/junction.audit.v1.AuditService/VerifyAuditChain`, { method: "POST", headers: { "content-type": "application/proto", "connect-protocol-version": "1" } });
  t.is(res.status, 404);
  t.like(await res.json(), { code: "unimplemented" });
  const error = await t.throwsAsync(createClient(AuditService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" })).verifyAuditChain({}));
  t.is(ConnectError.from(error).code, Code.Unimplemented);
});

test("a plain HTTP request to an unknown path is still the REST-shaped 404", async (t) => {
  const server = await startOrgs(t);
  const res = await fetch(`${server.url}/nowhere`);
  t.is(res.status, 404);
  t.deepEqual(await res.json(), { code: Code.NotFound, message: "no such route" });
});

test("by default a request message over 4 MiB is RESOURCE_EXHAUSTED", async (t) => {
  const server = await startOrgs(t);
  const client = createClient(InternalOrgsService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }));
  const error = await t.throwsAsync(client.listUserOrganizations({ userId: "x".repeat(DEFAULT_MAX_MESSAGE_BYTES + 1) }));
  t.is(ConnectError.from(error).code, Code.ResourceExhausted);
  t.is((await client.listUserOrganizations({ userId: "x".repeat(1000) })).organizations.length, 1);
});

/** A raw gRPC frame of `size` zero bytes. */
const frame = (size: number) => Buffer.concat([Buffer.from([0, (size >>> 24) & 255, (size >>> 16) & 255, (size >>> 8) & 255, size & 255]), Buffer.alloc(size)]);

test("a request answered before it was read (HTTP/2) is reset, so its client is not left blocked on flow control", async (t) => {
  const server = await startOrgs(t, { maxMessageBytes: 1000, shutdownGraceMs: 60_000 });
  const session = http2.connect(server.url);
  t.teardown(() => session.close());
  // The server stops reading at the over-limit message's prefix and answers; the message is
  // larger than the stream's flow-control window, so the client cannot finish sending it.
  const stream = session.request({ ":method": "POST", ":path": "/junction.orgs.v1.InternalOrgsService/ListUserOrganizations", "content-type": "application/grpc", te: "trailers" });
  stream.resume();
  stream.end(frame(200_000));
  // A unary error without messages comes Trailers-Only: the status is in the response headers.
  const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once("response", resolve));
  t.is(headers["grpc-status"], String(Code.ResourceExhausted));
  const rstCode = await new Promise<number | undefined>((resolve) => stream.once("close", () => resolve(stream.rstCode)));
  t.is(rstCode, http2.constants.NGHTTP2_NO_ERROR);
  // The server counts the call as over: close() does not wait out its grace period.
  const started = Date.now();
  await server.close();
  t.true(Date.now() - started < 5000);
});

test("after an over-limit request over HTTP/1.1, the same keep-alive connection serves the next one", async (t) => {
  const server = await startOrgs(t, { maxMessageBytes: 1000 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const post = (body: Buffer) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/junction.orgs.v1.InternalOrgsService/ListUserOrganizations`, {
        method: "POST",
        agent,
        headers: { "content-type": "application/grpc-web+proto" },
      });
      req.on("response", (res) => res.resume().on("end", () => resolve(res.statusCode ?? 0)));
      req.on("error", reject);
      req.setTimeout(5000, () => req.destroy(new Error("the request waited for a stalled connection")));
      // Streamed (chunked), as a client stream is: Node's own dump of unread bodies does not apply.
      req.write(body.subarray(0, 10));
      setTimeout(() => req.end(body.subarray(10)), 50);
    });
  t.is(await post(frame(100_000)), 200);
  t.is(await post(frame(0)), 200);
});

test("the JSON codec knows every type of the served contracts and of the files they import", (t) => {
  const registry = contractRegistry([InternalOrgsService]);
  t.truthy(registry.getMessage("junction.orgs.v1.ListUserOrganizationsResponse"));
  const imported = InternalOrgsService.file.dependencies.flatMap((file) => file.messages);
  t.true(imported.length > 0 && imported.every((message) => registry.getMessage(message.typeName) !== undefined));
});
