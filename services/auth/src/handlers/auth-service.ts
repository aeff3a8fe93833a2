// The public AuthService: maps requests to the domain functions and their results to responses.
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { requireUser } from "@junction/platform";
import type { AuthContext } from "../context.js";
import { jwksMessage } from "../jwks.js";
import { trustedClientIp } from "../client-address.js";
import { requestPasswordReset, resetPassword } from "../password-reset.js";
import { register, verifyEmail } from "../registration.js";
import { login, logout, refresh } from "../sign-in.js";

/** AuthService's handlers over `ctx`. */
export function authServiceHandlers(ctx: AuthContext): Partial<ServiceImpl<typeof AuthService>> {
  return {
    async register(req) {
      return { userId: await register(ctx, { email: req.email, password: req.password, displayName: req.displayName }) };
    },
    async login(req, call) {
      const client = { clientIp: trustedClientIp(call), userAgent: call.requestHeader.get("user-agent") ?? undefined };
      return login(ctx, req.email, req.password, client);
    },
    async refresh(req) {
      return refresh(ctx, req.refreshToken);
    },
    async logout(_req, call) {
      await logout(ctx, requireUser(call).sessionId);
      return {};
    },
    async verifyEmail(req) {
      return { userId: await verifyEmail(ctx, req.token) };
    },
    async requestPasswordReset(req) {
      await requestPasswordReset(ctx, req.email);
      return {};
    },
    async resetPassword(req) {
      await resetPassword(ctx, req.token, req.newPassword);
      return {};
    },
    async getJwks() {
      return { keys: await jwksMessage(ctx.keys) };
    },
  };
}
