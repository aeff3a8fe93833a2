// Idempotency-Key: a caller that may send a request with side effects twice (a REST POST
// retried after a lost answer, a double click) names it with a key, and the second send gets the
// first one's answer instead of a second effect. Kept in Redis per caller, for a bounded time.
// Only methods the contracts do not mark idempotent take keys (the others are safe to repeat),
// only unary ones, and only for a verified caller: a signed-in user or a Junction service other
// than the edge (anonymous calls have no owner to scope a key to, and ignore it).
import { createHash, randomUUID } from "node:crypto";
import { create, fromBinary, toBinary, type DescMethodUnary, type Message } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import { envDuration } from "../env-duration.js";
import { loadConfig } from "../config.js";
import { domainError } from "../errors.js";
import { callingService, currentUser } from "../identity/caller.js";
import { EDGE_CALLER } from "../identity/edge-key.js";
import { redisKey } from "../redis-keys.js";
import type { ServiceBinding } from "./service-server.js";

/** The request header naming a request, as REST clients send it (and gRPC metadata carries it). */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** The response header on an answer replayed for a key seen before. */
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
// An unfinished first call holds its key this long at most, then a retry may run.
const IN_FLIGHT_MS = 60_000;

type KeyRecord = { state: "pending"; owner: string; fingerprint: string } | { state: "done"; fingerprint: string; response: string };

// Ends a pending record only if it is still the one this call wrote.
const SETTLE_SCRIPT = `
local current = redis.call("GET", KEYS[1])
if not current or cjson.decode(current).owner ~= ARGV[1] then return 0 end
if ARGV[2] == "" then redis.call("DEL", KEYS[1]) else redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3]) end
return 1`;

/** How long answers are kept: JUNCTION_IDEMPOTENCY_TTL ("24h" by default). */
export function idempotencyTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  return loadConfig({ ttl: envDuration("JUNCTION_IDEMPOTENCY_TTL", "24h", 1000) }, env).ttl;
}

/**
 * The bindings with every non-idempotent unary method taking Idempotency-Key: a repeat by the
 * same caller gets the first answer (marked replayed); the handler runs once.
 */
export function withIdempotencyKeys(bindings: readonly ServiceBinding[], redis: Redis, namespace: string, ttlMs: number): ServiceBinding[] {
  return bindings.map(({ service, impl }) => ({
    service,
    impl: Object.fromEntries(
      Object.entries(impl).map(([name, handler]) => {
        const method = service.methods.find((m) => m.localName === name);
        if (!method || method.methodKind !== "unary" || method.idempotency !== 0 || typeof handler !== "function") return [name, handler];
        return [name, keyedHandler(method as DescMethodUnary, handler as UnaryHandler, redis, namespace, ttlMs)];
      }),
    ) as ServiceBinding["impl"],
  }));
}

type UnaryHandler = (request: Message, ctx: HandlerContext) => Promise<unknown> | unknown;

function keyedHandler(method: DescMethodUnary, handler: UnaryHandler, redis: Redis, namespace: string, ttlMs: number): UnaryHandler {
  const path = `${method.parent.typeName}/${method.name}`;
  return async (request, ctx) => {
    const key = ctx.requestHeader.get(IDEMPOTENCY_KEY_HEADER);
    const service = callingService(ctx);
    const user = currentUser(ctx)?.userId;
    // The edge calls for every outside client, so it owns no key.
    const scope = user ? `user:${user}` : service && service !== EDGE_CALLER ? `service:${service}` : undefined;
    if (key === null || scope === undefined) return handler(request, ctx);
    if (!KEY_SHAPE.test(key)) {
      throw domainError(Code.InvalidArgument, "IDEMPOTENCY_KEY_INVALID", "Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
    const recordKey = redisKey(namespace, "idempotency", path, scope, sha256(key));
    const fingerprint = sha256(toBinary(method.input, request as never));
    const owner = randomUUID();
    const pending: KeyRecord = { state: "pending", owner, fingerprint };
    if ((await redis.set(recordKey, JSON.stringify(pending), "PX", IN_FLIGHT_MS, "NX")) === null) {
      const seen = await redis.get(recordKey);
      // The first call ended (and released its key) in between: this one runs as a first call would.
      if (seen === null) return handler(request, ctx);
      const record = JSON.parse(seen) as KeyRecord;
      if (record.fingerprint !== fingerprint) {
        throw domainError(Code.InvalidArgument, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for a different request; use a new key for a new request");
      }
      if (record.state === "pending") {
        throw domainError(Code.Aborted, "IDEMPOTENCY_KEY_IN_USE", "a request with this Idempotency-Key is still in progress; retry later");
      }
      ctx.responseHeader.set(IDEMPOTENT_REPLAYED_HEADER, "true");
      return fromBinary(method.output, Buffer.from(record.response, "base64"));
    }
    let response: unknown;
    try {
      response = await handler(request, ctx);
    } catch (error) {
      // A failed call's outcome is not kept: the key is free for a retry, as if never sent.
      await redis.eval(SETTLE_SCRIPT, 1, recordKey, owner, "", "0").catch(() => undefined);
      throw error;
    }
    const done: KeyRecord = { state: "done", fingerprint, response: Buffer.from(toBinary(method.output, create(method.output, response as never))).toString("base64") };
    // The effect has happened: a Redis failure now only means a retry within IN_FLIGHT_MS is refused as in use.
    await redis.eval(SETTLE_SCRIPT, 1, recordKey, owner, JSON.stringify(done), String(ttlMs)).catch(() => undefined);
    return response;
  };
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("base64url");
}
