// Real servers for identity tests: a JWKS over HTTP and an h2c Connect server, both on
// loopback with ephemeral ports and closed when the test ends.
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ExecutionContext } from "ava";
import { ConnectError, type Code, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { errorReason } from "../../src/errors.js";

/** An asymmetric key pair as auth would hold it. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: "EdDSA" | "ES256";
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** A fresh signing key with its public JWK. */
export async function signingKey(kid: string, alg: "EdDSA" | "ES256" = "EdDSA"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** Claims of a test access token; anything left out gets a valid default. */
export interface TokenFields {
  sub?: string;
  sid?: string;
  roles?: string[];
  iss?: string;
  aud?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Header kid; defaults to the key's. */
  kid?: string;
}

/** An access token signed with `key`, shaped like auth's. */
export function accessToken(key: SigningKey, fields: TokenFields = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = fields.expiresIn ?? 300;
  return new SignJWT({ sid: fields.sid ?? "session-1", roles: fields.roles ?? ["ROLE_USER"] })
    .setProtectedHeader({ alg: key.alg, kid: fields.kid ?? key.kid, typ: "JWT" })
    .setSubject(fields.sub ?? "user-1")
    .setIssuer(fields.iss ?? "junction-auth")
    .setAudience(fields.aud ?? "junction")
    .setIssuedAt(Math.min(now, now + expiresIn - 60))
    .setExpirationTime(now + expiresIn)
    .sign(key.privateKey);
}

/** A JWKS endpoint whose keys a test can rotate, counting how often it is fetched. */
export interface JwksServer {
  readonly url: string;
  readonly fetches: number;
  /** Replaces the published keys. */
  publish(keys: SigningKey[]): void;
  /** Answers 500 from now on (or again 200 with `false`). */
  fail(failing?: boolean): void;
}

/** Starts a JWKS server publishing `keys`. */
export async function startJwksServer(t: ExecutionContext, keys: SigningKey[]): Promise<JwksServer> {
  let published = keys;
  let fetches = 0;
  let failing = false;
  const server = http.createServer((req, res) => {
    fetches += 1;
    if (failing) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: published.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    publish(next) {
      published = next;
    },
    fail(value = true) {
      failing = value;
    },
  };
}

/** Starts an h2c server with `routes` behind `interceptors`; returns its base URL. */
export async function startRpcServer(t: ExecutionContext, routes: (router: ConnectRouter) => void, interceptors: Interceptor[]): Promise<string> {
  const server = http2.createServer(connectNodeAdapter({ routes, interceptors }));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    for (const session of sessions) session.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Asserts that `promise` fails with a ConnectError of `code` carrying ErrorInfo `reason`. */
export async function assertRefused(t: ExecutionContext, promise: Promise<unknown>, code: Code, reason: string): Promise<void> {
  const error = await t.throwsAsync(promise);
  t.true(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
  t.is((error as ConnectError).code, code, `code of ${String(error)}`);
  t.is(errorReason(error), reason, `reason of ${String(error)}`);
}
