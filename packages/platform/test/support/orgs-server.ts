// A service server for tests that send raw requests: orgs serving InternalOrgsService with an
// empty answer, plus whatever services and options a test adds.
import { create } from "@bufbuild/protobuf";
import { InternalOrgsService, ListUserOrganizationsResponseSchema } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { bind, startServiceServer, type ServiceServer, type ServiceServerOptions } from "../../src/server/service-server.js";
import { testPolicy } from "./policy.js";
import { quietLogger } from "./silent-logger.js";

/** The unary method the server answers, as a gRPC path. */
export const LIST_USER_ORGANIZATIONS = `/${InternalOrgsService.typeName}/ListUserOrganizations`;

/** Starts the server on a free port; `more` adds services and options (httpRoutes, limits, ...). */
export function startOrgsServer(more: Partial<ServiceServerOptions> = {}): Promise<ServiceServer> {
  const { services = [], ...options } = more;
  return startServiceServer({
    name: "orgs",
    port: 0,
    policy: testPolicy({ orgs: 1 }),
    logger: quietLogger("orgs"),
    ...options,
    services: [bind(InternalOrgsService, { listUserOrganizations: () => create(ListUserOrganizationsResponseSchema, {}) }), ...services],
  });
}
