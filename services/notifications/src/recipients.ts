// Where to email a user, asked of auth (InternalAuthService.LookupUser) through the runtime's
// client with its deadline, retries and breaker. Org and role events carry only user ids.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";

/** An email recipient. */
export interface Recipient {
  readonly email: string;
  readonly displayName: string;
}

/** Looks up users' addresses. */
export class RecipientDirectory {
  constructor(private readonly auth: Pick<Client<typeof InternalAuthService>, "lookupUser">) {}

  /** `userId`'s address, or undefined for an unknown or deactivated account; rejects when auth cannot answer. */
  async recipient(userId: string): Promise<Recipient | undefined> {
    try {
      const user = await this.auth.lookupUser({ userId });
      return user.active ? { email: user.email, displayName: user.displayName } : undefined;
    } catch (error) {
      if (error instanceof ConnectError && (error.code === Code.NotFound || error.code === Code.InvalidArgument)) return undefined;
      throw error;
    }
  }
}
