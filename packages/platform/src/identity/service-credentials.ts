// Service-to-service identity. A calling service presents a short-lived service token (HS256
// over a secret shared by the services, never by outside clients) in `x-junction-service-token`;
// Internal… services refuse every call without a valid one, whatever else the caller sends.
// The edge strips that header from outside requests, so only services can present one.
import { Code, createContextKey, type Interceptor } from "@connectrpc/connect";
import { SignJWT, jwtVerify } from "jose";
import { z } from "zod";
import { ConfigError, DEVELOPMENT_MODE_ENV, developmentMode, loadConfig, type EnvVar } from "../config.js";
import { domainError } from "../errors.js";
import { EDGE_CALLER, EDGE_KEY_HEADER, isEdgeKey } from "./edge-key.js";
import { createLogger } from "../logger.js";

/** The request header carrying a service token. */
export const SERVICE_TOKEN_HEADER = "x-junction-service-token";
/** `iss` of every service token. */
export const SERVICE_TOKEN_ISSUER = "junction";
/** `aud` of every service token. */
export const SERVICE_TOKEN_AUDIENCE = "junction-internal";
/** The environment variable holding the shared service secret (at least 32 characters). */
export const SERVICE_SECRET_ENV = "JUNCTION_SERVICE_SECRET";
/**
 * INSECURE: the secret used when JUNCTION_SERVICE_SECRET is unset in development mode
 * (JUNCTION_DEV_MODE=true, which `npm start` sets), so a local run works with no setup. It is
 * public (it is in this file), so anyone could mint service tokens with it: outside development
 * mode a service refuses to start without a real secret, and in it a warning is logged.
 */
export const INSECURE_DEV_SERVICE_SECRET = "junction-insecure-development-service-secret";

const TOKEN_LIFETIME_SECONDS = 5 * 60;
const RENEW_BEFORE_EXPIRY_MS = 60_000;
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Bytes of the shared secret that signs and verifies service tokens. */
export type ServiceSecret = Uint8Array;

/** The service secret from JUNCTION_SERVICE_SECRET; in development mode only, the insecure development secret (with a warning). */
export function serviceSecretFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  log: { warn(message: string): void } = createLogger("platform"),
): ServiceSecret {
  const variable: EnvVar<string> = {
    name: SERVICE_SECRET_ENV,
    schema: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(32).default(INSECURE_DEV_SERVICE_SECRET)) as z.ZodType<string>,
    hint: "a secret of at least 32 characters",
  };
  const { secret } = loadConfig({ secret: variable }, env);
  if (secret === INSECURE_DEV_SERVICE_SECRET) {
    if (!developmentMode(env)) {
      throw new ConfigError([
        `${SERVICE_SECRET_ENV}: must be set to a secret of at least 32 characters shared by the services (the built-in development secret is public; it works only with ${DEVELOPMENT_MODE_ENV}=true, as npm start sets)`,
      ]);
    }
    log.warn(`${SERVICE_SECRET_ENV} is not set: using the public development secret (${DEVELOPMENT_MODE_ENV}=true); service credentials are NOT secure`);
  }
  return new TextEncoder().encode(secret);
}

/** Mints this service's token and reuses it until a minute before it expires. */
export interface ServiceTokenIssuer {
  /** The calling service's name, the token's `sub` (e.g. "users"). */
  readonly service: string;
  /** How many tokens were signed so far. */
  readonly minted: number;
  /** A valid token for this service, minted only when the cached one is about to expire. */
  token(): Promise<string>;
  /** The cached token while it is valid and already signed; undefined when token() must be awaited. */
  current(): string | undefined;
}

/** An issuer of service tokens for `service`; `now` (epoch ms) is for tests. */
export function createServiceTokenIssuer(service: string, secret: ServiceSecret, now: () => number = Date.now): ServiceTokenIssuer {
  if (!SERVICE_NAME.test(service)) throw new Error(`not a service name: ${JSON.stringify(service)}`);
  let cached: { token: Promise<string>; signed?: string; renewAt: number } | undefined;
  let minted = 0;

  const mint = async (issuedAtSeconds: number) => {
    minted += 1;
    return new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(service)
      .setIssuer(SERVICE_TOKEN_ISSUER)
      .setAudience(SERVICE_TOKEN_AUDIENCE)
      .setIssuedAt(issuedAtSeconds)
      .setExpirationTime(issuedAtSeconds + TOKEN_LIFETIME_SECONDS)
      .sign(secret);
  };

  return {
    service,
    get minted() {
      return minted;
    },
    token() {
      const at = now();
      if (cached === undefined || at >= cached.renewAt) {
        const issuedAt = Math.floor(at / 1000);
        const token = mint(issuedAt);
        const entry: NonNullable<typeof cached> = { token, renewAt: issuedAt * 1000 + TOKEN_LIFETIME_SECONDS * 1000 - RENEW_BEFORE_EXPIRY_MS };
        cached = entry;
        token.then(
          (signed) => (entry.signed = signed),
          () => {
            if (cached === entry) cached = undefined;
          },
        );
      }
      return cached.token;
    },
    current() {
      return cached !== undefined && now() < cached.renewAt ? cached.signed : undefined;
    },
  };
}

/** The calling service named by a valid service token; UNAUTHENTICATED otherwise. */
export async function verifyServiceToken(token: string | null | undefined, secret: ServiceSecret): Promise<string> {
  if (token === null || token === undefined || token === "") {
    throw domainError(Code.Unauthenticated, "SERVICE_CREDENTIALS_REQUIRED", "this RPC is for Junction services only: service credentials are required");
  }
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ["HS256"],
      issuer: SERVICE_TOKEN_ISSUER,
      audience: SERVICE_TOKEN_AUDIENCE,
      requiredClaims: ["sub", "iat", "exp"],
      maxTokenAge: TOKEN_LIFETIME_SECONDS,
      clockTolerance: 5,
    });
    if (typeof payload.sub === "string" && SERVICE_NAME.test(payload.sub)) return payload.sub;
  } catch {
    // reported below, without saying which check failed
  }
  throw domainError(Code.Unauthenticated, "SERVICE_CREDENTIALS_INVALID", "the service credentials are not valid");
}

/** Context value: the verified calling service, set by the server interceptor. */
export const callingServiceKey = createContextKey<string | undefined>(undefined, { description: "junction calling service" });

/** Client interceptor adding this service's token to every outgoing call. */
export function serviceTokenInterceptor(issuer: ServiceTokenIssuer): Interceptor {
  return (next) => (req) => {
    // No promise of its own when the token is at hand: one per call is measurable (docs/performance.md).
    const token = issuer.current();
    if (token === undefined) {
      return issuer.token().then((minted) => {
        req.header.set(SERVICE_TOKEN_HEADER, minted);
        return next(req);
      });
    }
    req.header.set(SERVICE_TOKEN_HEADER, token);
    return next(req);
  };
}

/**
 * Server interceptor: internal services (listed by full name, as the manifest declares them)
 * refuse calls without a valid service token; on any service a presented token must be valid.
 * The verified calling service is stored under `callingServiceKey`.
 */
export function serviceCredentialsInterceptor(
  secret: ServiceSecret,
  options: { internalServices?: Iterable<string>; edgeKey?: string } = {},
): Interceptor {
  const internalServices = new Set(options.internalServices ?? []);
  const verified = new VerifiedServiceTokens(secret);
  // Not an async function: a token verified before is answered without a promise of its own.
  return (next) => (req) => {
    const token = req.header.get(SERVICE_TOKEN_HEADER);
    req.contextValues.delete(callingServiceKey);
    if (token !== null || internalServices.has(req.service.typeName)) {
      const known = verified.knownCaller(token);
      if (known === undefined) {
        return verified.verify(token).then((service) => {
          req.contextValues.set(callingServiceKey, service);
          return next(req);
        });
      }
      req.contextValues.set(callingServiceKey, known);
    } else if (options.edgeKey !== undefined && req.header.has(EDGE_KEY_HEADER)) {
      // The Envoy edge's proof (edge-key.ts); a wrong one is refused as a bad token is.
      if (!isEdgeKey(req.header.get(EDGE_KEY_HEADER), options.edgeKey)) {
        return Promise.reject(domainError(Code.Unauthenticated, "SERVICE_CREDENTIALS_INVALID", "the service credentials are not valid"));
      }
      req.contextValues.set(callingServiceKey, EDGE_CALLER);
    }
    return next(req);
  };
}

/**
 * Remembers tokens already verified until they expire: a caller presents the same token for
 * minutes, and an HMAC check on every call is measurable on the hot path.
 */
class VerifiedServiceTokens {
  private readonly known = new Map<string, { service: string; expiresAt: number }>();

  constructor(private readonly secret: ServiceSecret) {}

  /** The service of a token verified before and not yet expired, without waiting. */
  knownCaller(token: string | null): string | undefined {
    const hit = token ? this.known.get(token) : undefined;
    return hit && hit.expiresAt > Date.now() ? hit.service : undefined;
  }

  /** The service of a token not known yet, once its signature is checked; remembered until it expires. */
  async verify(token: string | null): Promise<string> {
    const service = await verifyServiceToken(token, this.secret);
    if (this.known.size >= 1000) this.known.clear();
    const { exp } = JSON.parse(Buffer.from(token!.split(".")[1]!, "base64url").toString("utf8")) as { exp: number };
    this.known.set(token!, { service, expiresAt: Math.min(exp * 1000, Date.now() + TOKEN_LIFETIME_SECONDS * 1000) });
    return service;
  }
}
