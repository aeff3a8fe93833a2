// The edge serves a REST route for every google.api.http binding of every public RPC, and no
// route for internal services: the routes come from the descriptors, not from a hand-written list.
import test from "ava";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { http } from "@junction/gen/google/api/annotations_pb";
import { fileURLToPath } from "node:url";
import { Contracts } from "../../src/contracts/contracts.js";
import { RouteTable } from "../../src/edge/route-table.js";
import { Manifest } from "../../src/manifest/manifest.js";

// The repository's topology and contracts, as the edges read them.
const manifest = Manifest.load(fileURLToPath(new URL("../../../../manifest.yaml", import.meta.url)));
const { publicServices, internalServices } = Contracts.load(manifest.contractsFile).servicesOf(manifest);

const table = new RouteTable(publicServices);

test("every public unary RPC with an HTTP rule has its route, with the rule's verb, path and body", (t) => {
  let checked = 0;
  for (const service of publicServices) {
    for (const method of service.methods.filter((m) => m.methodKind === "unary")) {
      t.true(hasOption(method, http), `${service.name}/${method.name} has a google.api.http rule`);
      const rule = getOption(method, http);
      const route = table.routes.find((r) => r.method === method);
      t.truthy(route, `${service.name}/${method.name} is routed`);
      t.is(route!.httpMethod, rule.pattern.case!.toUpperCase());
      t.is(route!.template.source, rule.pattern.value as string);
      t.is(route!.body, rule.body);
      checked++;
    }
  }
  t.is(checked, table.routes.length, "no route without an RPC behind it");
});

test("internal services have no REST route", (t) => {
  for (const service of internalServices) t.false(table.routes.some((r) => r.method.parent === service), service.typeName);
});

test("a concrete path finds its RPC; a wrong verb lists the allowed ones", (t) => {
  const found = table.find("DELETE", "/v1/orgs/o1/members/u2");
  t.true(found !== undefined && "route" in found && found.route.method.name === "RemoveMember");
  t.deepEqual(table.find("PUT", "/v1/orgs/o1"), { allowed: ["GET"] });
  t.is(table.find("GET", "/v1/nothing"), undefined);
});
