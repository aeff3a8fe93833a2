// The public keys as a standard JWKS document: served by the GetJwks RPC and as plain
// `GET /.well-known/jwks.json` on auth's own port, the default JUNCTION_JWKS_URL of every service.
import type http from "node:http";
import type http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { JsonWebKeySchema, type JsonWebKey } from "@junction/gen/junction/auth/v1/auth_service_pb";
import type { Logger } from "@junction/platform";
import type { JWK } from "jose";
import type { SigningKeyRing } from "./signing-keys.js";

/** The path every service fetches keys from. */
export const JWKS_PATH = "/.well-known/jwks.json";

// Verifiers refetch on an unknown kid anyway; a short max-age keeps rotations visible quickly.
const CACHE_CONTROL = "public, max-age=60";

/** The public fields of a JWK (never `d`, whatever the stored key holds). */
export function publicJwk(jwk: JWK): { kty: string; kid: string; alg: string; use: string; crv?: string; x?: string; y?: string; n?: string; e?: string } {
  const { kty = "", kid = "", alg = "", crv, x, y, n, e } = jwk;
  return { kty, kid, alg, use: "sig", crv, x, y, n, e };
}

/** The key set as JsonWebKey messages, newest first. */
export async function jwksMessage(ring: SigningKeyRing): Promise<JsonWebKey[]> {
  return (await ring.publicJwks()).map((jwk) => create(JsonWebKeySchema, publicJwk(jwk)));
}

/** The plain-HTTP route serving the JWKS document. */
export function jwksRoute(ring: SigningKeyRing, logger: Logger) {
  return (_req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    const reply = res as http.ServerResponse;
    ring.publicJwks().then(
      (keys) => {
        reply.writeHead(200, { "content-type": "application/jwk-set+json", "cache-control": CACHE_CONTROL });
        reply.end(JSON.stringify({ keys: keys.map((jwk) => JSON.parse(JSON.stringify(publicJwk(jwk)))) }));
      },
      (error: unknown) => {
        logger.error({ err: error }, "cannot load the signing keys for the JWKS");
        reply.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
        reply.end(JSON.stringify({ code: "unavailable", message: "the key set cannot be loaded; try again" }));
      },
    );
  };
}
