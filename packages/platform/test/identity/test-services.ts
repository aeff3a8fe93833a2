// A small auth-shaped deployment for identity tests: the generated public AuthService and
// InternalAuthService with test handlers that record who called them, served over h2c behind
// the identity interceptors, with a JWKS server holding the signing key.
import type { ExecutionContext } from "ava";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { createAccessTokenVerifier, type AccessTokenClaims } from "../../src/identity/access-tokens.js";
import { callingService, currentUser, requireRole, requireUser, userAuthenticationInterceptor } from "../../src/identity/caller.js";
import { serviceCredentialsInterceptor, type ServiceSecret } from "../../src/identity/service-credentials.js";
import { signingKey, startJwksServer, startRpcServer, type JwksServer, type SigningKey } from "./fixtures.js";

/** The secret the test services share. */
export const SHARED_SECRET: ServiceSecret = new TextEncoder().encode("test-shared-service-secret-0123456789");

/** What a handler saw about its caller. */
export interface Seen {
  rpc: string;
  user?: AccessTokenClaims;
  service?: string;
}

/** The running deployment. */
export interface TestServices {
  readonly key: SigningKey;
  readonly jwks: JwksServer;
  readonly baseUrl: string;
  /** Every handler invocation, in order. */
  readonly seen: Seen[];
  /** Clients over a fresh gRPC transport with `interceptors`. */
  clients(interceptors?: Interceptor[]): { auth: Client<typeof AuthService>; internal: Client<typeof InternalAuthService> };
}

/** Starts the JWKS server and the h2c server; both close when the test ends. InternalAuthService is internal, as a manifest would say. */
export async function startTestServices(t: ExecutionContext, options: { internalServices?: string[] } = {}): Promise<TestServices> {
  const key = await signingKey("k1");
  const jwks = await startJwksServer(t, [key]);
  const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url });
  const seen: Seen[] = [];
  const baseUrl = await startRpcServer(
    t,
    (router) => {
      router.service(AuthService, {
        // Public and anonymous: records whoever it can see.
        getJwks(_req, ctx) {
          seen.push({ rpc: "GetJwks", user: currentUser(ctx), service: callingService(ctx) });
          return { keys: [] };
        },
        // Needs a signed-in user.
        logout(_req, ctx) {
          seen.push({ rpc: "Logout", user: requireUser(ctx), service: callingService(ctx) });
          return {};
        },
        // Stands in for an admin-only RPC.
        verifyEmail(_req, ctx) {
          const admin = requireRole(ctx, "ROLE_ADMIN");
          seen.push({ rpc: "VerifyEmail", user: admin });
          return { userId: admin.userId };
        },
      });
      router.service(InternalAuthService, {
        getUserRoles(req, ctx) {
          seen.push({ rpc: "GetUserRoles", user: currentUser(ctx), service: callingService(ctx) });
          return { userId: req.userId, roles: [Role.USER], active: true };
        },
        setUserRoles(req, ctx) {
          const admin = requireRole(ctx, "ROLE_ADMIN");
          seen.push({ rpc: "SetUserRoles", user: admin, service: callingService(ctx) });
          return { roles: req.roles };
        },
      });
    },
    [serviceCredentialsInterceptor(SHARED_SECRET, { internalServices: [InternalAuthService.typeName, ...(options.internalServices ?? [])] }), userAuthenticationInterceptor(verifier)],
  );
  return {
    key,
    jwks,
    baseUrl,
    seen,
    clients(interceptors = []) {
      const transport = createGrpcTransport({ baseUrl, interceptors });
      return { auth: createClient(AuthService, transport), internal: createClient(InternalAuthService, transport) };
    },
  };
}

/** Call options sending `token` as a bearer access token. */
export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}
