// Whether a user may join an organization, asked of auth (InternalAuthService.LookupUser)
// through the runtime's client: the policy's deadline, retries of this idempotent read, and
// auth's circuit breaker. When auth cannot answer, AddMember fails UNAVAILABLE rather than
// adding someone nobody checked.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { domainError, isUnavailable, unavailable } from "@junction/platform";

/** Auth's view of users, for membership checks. */
export class UserDirectory {
  constructor(private readonly auth: Pick<Client<typeof InternalAuthService>, "lookupUser">) {}

  /** Resolves when `userId` is an existing, active account; NOT_FOUND, FAILED_PRECONDITION or UNAVAILABLE otherwise. */
  async requireActiveUser(userId: string): Promise<void> {
    let active: boolean;
    try {
      ({ active } = await this.auth.lookupUser({ userId }));
    } catch (error) {
      if (error instanceof ConnectError && error.code === Code.NotFound) {
        throw domainError(Code.NotFound, "USER_NOT_FOUND", "the user to add does not exist", { user_id: userId });
      }
      if (isUnavailable(error)) {
        throw unavailable("AUTH_UNAVAILABLE", "cannot check the user right now; try again", { upstream: "auth" });
      }
      // Anything else is a fault between services, not the caller's; the server logs it as INTERNAL.
      throw new Error(`LookupUser failed: ${String(error)}`, { cause: error });
    }
    if (!active) throw domainError(Code.FailedPrecondition, "USER_INACTIVE", "the user's account is deactivated", { user_id: userId });
  }
}
