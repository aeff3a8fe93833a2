// The OpenAPI document: rendered from the contracts, committed, and describing exactly the REST
// routes both edges serve, in the proto3 JSON forms they accept and answer.
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { OPENAPI_DOCUMENT, RouteTable } from "@junction/platform";
import { openApiPath, renderOpenApiDocument } from "@junction/tools/openapi/openapi-document";
import { renderOpenApiFile } from "@junction/tools/openapi/openapi-artifacts";
import { ENVOY_FILES } from "@junction/tools/envoy/envoy-artifacts";
import { repositoryRoot as root } from "@junction/tools/junction";
import { parse } from "yaml";
import { connectionManager, routesOf, type Bootstrap } from "../../test/support/envoy-bootstrap.js";
import { publicServices } from "../../test/support/junction.js";

type Json = { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const committedText = readFileSync(join(root, OPENAPI_DOCUMENT.file), "utf8");
const doc = JSON.parse(committedText) as Json;
const operations = Object.entries(doc.paths as Json).flatMap(([path, ops]) => Object.entries(ops as Json).map(([verb, op]) => ({ key: `${verb.toUpperCase()} ${path}`, op: op as Json })));
const operation = (key: string) => operations.find((o) => o.key === key)!.op;

test("the committed document is what rendering the repository's contracts produces, byte for byte", (t) => {
  t.timeout(60_000);
  t.is(renderOpenApiFile(root), committedText, "run `npm run render`");
  t.is(renderOpenApiDocument({ publicServices, version: "x" }), renderOpenApiDocument({ publicServices, version: "x" }), "rendering is deterministic");
});

test("it has one operation per REST route the TypeScript edge serves, and no other", (t) => {
  // The TypeScript edge routes with this table over the manifest's public services (services/edge/src/edge.ts).
  const served = new RouteTable(publicServices).routes.map((route) => `${route.httpMethod} ${openApiPath(route.template.source)}`);
  t.deepEqual(operations.map((o) => o.key).sort(), [...new Set(served)].sort());
  t.is(operations.length, 20);
  t.is(new Set(operations.map((o) => o.op.operationId)).size, operations.length, "operation ids are unique");
});

test("it has one operation per REST route Envoy serves, and no other", (t) => {
  // Envoy answers 405 on every path it transcodes, naming the verbs it binds there: read them back from the committed config.
  const manager = connectionManager(parse(readFileSync(join(root, ENVOY_FILES.config), "utf8")) as Bootstrap, "public");
  const envoyRoutes = routesOf(manager)
    .filter((route) => route.name.startsWith("method-not-allowed:"))
    .flatMap((route) => {
      const allow = route.response_headers_to_add!.find((h) => h.header.key === "allow")!.header.value;
      return allow.split(", ").map((verb) => `${verb} ${openApiPath(route.name.slice("method-not-allowed:".length))}`);
    });
  t.deepEqual(operations.map((o) => o.key).sort(), envoyRoutes.sort());
});

test("security follows allow_anonymous: login is open, the rest needs the bearer token", (t) => {
  t.deepEqual(operation("POST /v1/auth/login").security, [{}, { bearer: [] }]);
  t.deepEqual(operation("GET /v1/me").security, [{ bearer: [] }]);
  t.deepEqual(doc.components.securitySchemes.bearer, { type: "http", scheme: "bearer", bearerFormat: "JWT", description: doc.components.securitySchemes.bearer.description });
});

test("bodies, path variables and query parameters are where the google.api.http rules put them", (t) => {
  const patch = operation("PATCH /v1/users/{user_id}/profile");
  t.deepEqual(patch.parameters.filter((p: Json) => p.in !== "header").map((p: Json) => `${p.in}:${p.name}`), ["path:user_id", "query:update_mask"], "body: profile leaves update_mask to the query");
  t.is(patch.requestBody.content["application/json"].schema.$ref, "#/components/schemas/junction.users.v1.Profile");
  const addMember = operation("POST /v1/orgs/{org_id}/members");
  const body = addMember.requestBody.content["application/json"].schema;
  t.false("orgId" in body.properties || "org_id" in body.properties, "a path variable is not in a body: \"*\"");
  t.true("userId" in body.properties && "user_id" in body.properties, "proto and lowerCamelCase names are both accepted");
  t.deepEqual(operation("GET /v1/orgs/{org_id}/members").parameters.map((p: Json) => p.name), ["org_id", "page_size", "page_token"]);
  t.is(operation("GET /v1/me").requestBody, undefined);
  t.truthy(doc.paths["/v1/notifications/{notification_id}:read"].post, "a custom verb stays in the path");
});

test("schemas follow the proto3 JSON mapping, with the protos' comments", (t) => {
  const schemas = doc.components.schemas as Json;
  const entry = schemas["junction.audit.v1.AuditEntry"];
  t.is(entry.properties.sequence.type, "string", "int64 is a string");
  t.is(entry.properties.sequence.pattern, "^-?[0-9]+$");
  t.is(entry.properties.eventTime.format, "date-time", "Timestamp is RFC 3339");
  t.is(entry.properties.payload.type, "object", "Struct is an object");
  t.is(entry.properties.eventId.description, "The event's CloudEvents id.");
  t.deepEqual(schemas["junction.auth.v1.Role"].enum, ["ROLE_UNSPECIFIED", "ROLE_USER", "ROLE_ADMIN"], "enums by name");
  t.is(entry.additionalProperties, false, "unknown fields are refused");
  const audit = operation("GET /v1/audit/events").parameters as Json[];
  t.is(audit.find((p) => p.name === "start_time")!.schema.format, "date-time", "a Timestamp can be a query parameter");
});

test("errors are google.rpc.Status with the statuses the edges answer (413 where there is a body), Retry-After on 429 and 503", (t) => {
  const responses = operation("POST /v1/orgs").responses as Json;
  t.deepEqual(Object.keys(responses), ["200", "400", "401", "403", "404", "409", "413", "429", "503", "504"]);
  t.false("413" in (operation("GET /v1/me").responses as Json), "no body, no 413");
  t.deepEqual(doc.components.schemas["google.rpc.Status"].required, ["code", "message", "details"]);
  t.true(doc.components.responses["429"].headers["Retry-After"].required);
  t.true(doc.components.responses["503"].headers["Retry-After"].required);
  // Every reference resolves.
  const refs = [...committedText.matchAll(/"\$ref": "#\/components\/(schemas|responses)\/([^"]+)"/g)];
  t.true(refs.length > 50);
  for (const [, kind, name] of refs) t.truthy(doc.components[kind!][name!], `${kind}/${name} exists`);
});

test("a signed-in caller's requests with side effects take an Idempotency-Key; anonymous and idempotent ones do not", (t) => {
  const headerParameters = (key: string) => (operation(key).parameters ?? []).filter((p: Json) => p.in === "header").map((p: Json) => p.name);
  t.deepEqual(headerParameters("POST /v1/orgs"), ["Idempotency-Key"]);
  t.truthy(operation("POST /v1/orgs").responses["200"].headers["Idempotent-Replayed"]);
  t.deepEqual(headerParameters("POST /v1/auth/login"), [], "anonymous calls have no owner for a key");
  t.deepEqual(headerParameters("GET /v1/me"), [], "a read is safe to repeat");
});
