// The auth service: credentials, roles, sessions and tokens. Serves AuthService and
// InternalAuthService, the JWKS document at /.well-known/jwks.json, and publishes auth.* events.
// It verifies access tokens against its own key ring: no HTTP round trip to itself.
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { bind, createAccessTokenVerifier, defineService } from "@junction/platform";
import type { AuthContext } from "./context.js";
import { authDatabase, authDomain } from "./domain.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import { authServiceHandlers } from "./handlers/auth-service.js";
import { internalAuthServiceHandlers } from "./handlers/internal-auth-service.js";
import { emailLinkPages } from "./email-link-pages.js";
import { JWKS_PATH, jwksRoute } from "./jwks.js";
import { SIGNING_ALGORITHM } from "./signing-keys.js";

/** The auth service, as the runtime hosts it. */
export const authService = defineService<AuthContext, PrismaClient>({
  name: "auth",
  database: authDatabase,
  redis: true,
  identity: { verifier: (ctx) => createAccessTokenVerifier({ algorithms: [SIGNING_ALGORITHM], keys: (header) => ctx.keys.verificationKey(header) }) },
  domain: authDomain,
  // The first key is made now, not by the first login racing the first JWKS fetch.
  prepare: async (ctx) => void (await ctx.keys.signingKey()),
  rpcs: (ctx) => [bind(AuthService, authServiceHandlers(ctx)), bind(InternalAuthService, internalAuthServiceHandlers(ctx))],
  httpRoutes: (ctx) => ({ [JWKS_PATH]: jwksRoute(ctx.keys, ctx.logger), ...emailLinkPages(ctx) }),
});
