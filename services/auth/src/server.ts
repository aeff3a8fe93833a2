// Starts the auth service: AuthService and InternalAuthService on one port, the JWKS document
// at /.well-known/jwks.json, session checks on every authenticated call.
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { createAccessTokenVerifier } from "@junction/platform/identity/access-tokens";
import { sessionCheckInterceptor } from "@junction/platform/identity/sessions";
import { bind, type ServiceServer } from "@junction/platform/server/service-server";
import { ServiceRuntime, type ServiceStartOptions } from "@junction/platform/service-runtime";
import { errors } from "jose";
import type { AuthContext } from "./context.js";
import { openAuthDomain } from "./domain.js";
import { startEventPublishing } from "./events.js";
import { authServiceHandlers } from "./handlers/auth-service.js";
import { internalAuthServiceHandlers } from "./handlers/internal-auth-service.js";
import { JWKS_PATH, jwksRoute } from "./jwks.js";
import { SIGNING_ALGORITHM } from "./signing-keys.js";

/** How to start auth; everything else comes from the environment. */
export type AuthOptions = ServiceStartOptions;

/** A running auth service. */
export interface AuthServer extends ServiceServer {
  /** The domain behind it, for tests and tools. */
  readonly context: AuthContext;
}

/** Starts auth and resolves once it listens; fails with a message naming an unreachable Postgres, Redis or NATS. */
export async function startAuth(options: AuthOptions = {}): Promise<AuthServer> {
  // Auth checks its own tokens against its key ring (opened below): no HTTP round trip to itself.
  const opened: { ctx?: AuthContext } = {};
  const verifier = createAccessTokenVerifier({
    algorithms: [SIGNING_ALGORITHM],
    keys: async (header) => {
      if (!opened.ctx) throw new errors.JWKSNoMatchingKey();
      return opened.ctx.keys.verificationKey(header);
    },
  });
  const runtime = ServiceRuntime.create({ name: "auth", env: options.env, logger: options.logger, verifier });
  try {
    const { ctx } = await openAuthDomain(runtime);
    opened.ctx = ctx;
    await startEventPublishing(runtime);
    // The first key is made now, not by the first login racing the first JWKS fetch.
    await ctx.keys.signingKey();
    const server = await runtime.serve(
      [bind(AuthService, authServiceHandlers(ctx)), bind(InternalAuthService, internalAuthServiceHandlers(ctx))],
      { httpRoutes: { [JWKS_PATH]: jwksRoute(ctx.keys, runtime.logger) }, interceptors: [sessionCheckInterceptor(ctx.sessions)] },
    );
    return Object.assign(server, { context: ctx });
  } catch (error) {
    // Nothing half-open stays behind: pools and connections opened so far are closed.
    await runtime.abandon();
    throw error;
  }
}
