// Calls between services placed in one process (`in-process:`, in-process-transport.ts) pass
// the caller's client interceptors and the server's interceptors, as a call over gRPC does; the
// two sides never share message objects; errors cross with code, details and metadata; the
// caller's deadline reaches the handler; with no server hosting the service, or once it closed,
// the call is UNAVAILABLE like a refused connection.
import test from "ava";
import { Code, ConnectError, createClient, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { domainError, errorReason } from "../../src/errors.js";
import { isTransportFailure } from "../../src/resilience/upstream-failure.js";
import { bind, startServiceServer, type ServiceBinding } from "../../src/server/service-server.js";
import { createEndpointTransport } from "../../src/wire-protocol.js";
import { testPolicy } from "../support/policy.js";
import { quietLogger } from "../support/silent-logger.js";

const serverMark: Interceptor = (next) => async (req) => {
  const res = await next(req);
  res.header.set("x-server-saw", req.header.get("x-client-mark") ?? "none");
  return res;
};
const clientMark: Interceptor = (next) => (req) => {
  req.header.set("x-client-mark", "marked");
  return next(req);
};

// One file, one server at a time: in-process hosting is per process and these tests share it.
test.serial("a call passes both interceptor chains and gets copies, never the handler's objects", async (t) => {
  const answer = { organization: { orgId: "o1", name: "Acme" } };
  let received: unknown;
  const server = await serve([
    bind(OrgsService, {
      getOrganization(req) {
        received = req;
        return answer;
      },
    }),
  ]);
  t.teardown(() => server.close());
  let header: Headers | undefined;
  const request = { orgId: "o1" };
  const client = createClient(OrgsService, createEndpointTransport("in-process:", {}, [clientMark]));
  const res = await client.getOrganization(request, { onHeader: (h) => (header = h), timeoutMs: 5000 });
  t.is(res.organization?.name, "Acme");
  t.is(header?.get("x-server-saw"), "marked");
  res.organization!.name = "changed by the caller";
  t.is(answer.organization.name, "Acme");
  t.not(received, request);
});

test.serial("an error crosses with its code, message, details and metadata", async (t) => {
  const server = await serve([
    bind(OrgsService, {
      getOrganization(_req, ctx: HandlerContext) {
        ctx.responseTrailer.set("x-why", "because");
        throw domainError(Code.NotFound, "ORGANIZATION_NOT_FOUND", "no such organization");
      },
    }),
  ]);
  t.teardown(() => server.close());
  const error = ConnectError.from(await t.throwsAsync(createClient(OrgsService, createEndpointTransport("in-process:", {}, [])).getOrganization({ orgId: "o9" }, { timeoutMs: 5000 })));
  t.is(error.code, Code.NotFound);
  t.is(error.rawMessage, "no such organization");
  t.is(errorReason(error), "ORGANIZATION_NOT_FOUND");
  t.is(error.metadata.get("x-why"), "because");
});

test.serial("the caller's deadline ends the call and reaches the handler", async (t) => {
  let budget: number | undefined;
  let aborted = false;
  const server = await serve([
    bind(OrgsService, {
      async getOrganization(_req, ctx: HandlerContext) {
        budget = ctx.timeoutMs();
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
        aborted = ConnectError.from(ctx.signal.reason).code === Code.DeadlineExceeded;
        return {};
      },
    }),
  ]);
  t.teardown(() => server.close());
  const error = await t.throwsAsync(createClient(OrgsService, createEndpointTransport("in-process:", {}, [])).getOrganization({ orgId: "o1" }, { timeoutMs: 250 }));
  t.is(ConnectError.from(error).code, Code.DeadlineExceeded);
  t.true(budget !== undefined && budget <= 250 && budget > 100, `handler saw ${budget} ms`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.true(aborted, "the handler's signal ends with DEADLINE_EXCEEDED");
});

test.serial("with no server hosting the service here, or after it closed, a call is UNAVAILABLE like a refused connection", async (t) => {
  const client = createClient(OrgsService, createEndpointTransport("in-process:", {}, []));
  const before = await t.throwsAsync(client.getOrganization({ orgId: "o1" }, { timeoutMs: 1000 }));
  t.is(ConnectError.from(before).code, Code.Unavailable);
  t.true(isTransportFailure(before));
  const server = await serve([bind(OrgsService, { getOrganization: () => ({ organization: { orgId: "o1" } }) })]);
  t.is((await client.getOrganization({ orgId: "o1" }, { timeoutMs: 1000 })).organization?.orgId, "o1");
  await server.close();
  t.is(ConnectError.from(await t.throwsAsync(client.getOrganization({ orgId: "o1" }, { timeoutMs: 1000 }))).code, Code.Unavailable);
});

function serve(services: ServiceBinding[]) {
  return startServiceServer({ name: "orgs", port: 0, policy: testPolicy({ orgs: 1 }), logger: quietLogger("orgs"), services, interceptors: [serverMark] });
}
