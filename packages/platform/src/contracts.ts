// Every service contract of Junction, for code that works across all of them: policy
// validation, the edge's routing, reflection listings, Envoy rendering.
import { getOption, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { allow_anonymous } from "@junction/gen/junction/common/v1/options_pb";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";

/** Services outside clients reach through the edge. */
export const publicServices: readonly DescService[] = [AuthService, UsersService, OrgsService, NotificationsService, AuditService];

/** Services only other Junction services may call. */
export const internalServices: readonly DescService[] = [InternalAuthService, InternalOrgsService];

/** Every Junction service. */
export const allServices: readonly DescService[] = [...publicServices, ...internalServices];

/** The Junction service names (policy upstreams), e.g. "auth". */
export const serviceNames = ["auth", "users", "orgs", "notifications", "audit"] as const;
export type ServiceName = (typeof serviceNames)[number];

/** True for public RPCs callable without an access token (the contract's allow_anonymous option). */
export function allowsAnonymous(method: DescMethod): boolean {
  return getOption(method, allow_anonymous);
}
