// Why a delivery failed: the consumer's infrastructure (its database, Redis, a service it calls)
// did not answer — every event would fail alike, so the consumer pauses and no attempt is spent —
// or the handler failed on this event, which is retried and finally dead-lettered.
import { Code, ConnectError } from "@connectrpc/connect";

/** Infrastructure: a dependency did not answer. Handler: the work itself failed. */
export type FailureKind = "infrastructure" | "handler";

// Node socket errors: nobody answered, or the connection broke.
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
// Prisma: can't reach (P1001), timed out (P1002, P1008), server closed the connection (P1017),
// no pooled connection in time (P2024), too many connections (P2037).
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2037"]);
// The driver adapter's view of the same (`meta.driverAdapterError.cause.kind`).
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
// SQLSTATE: connection exception (08…), insufficient resources (53…: too many connections, out of
// memory, disk full), operator intervention (57P01 terminated by an administrator, 57P02 crash,
// 57P03 "the database system is shutting down" or starting up).
const SQLSTATE = /^(08|53|57P0[123])/;
// What node-postgres and ioredis say, without a code, when a connection is gone or a command
// got no answer.
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /client has encountered a connection error/i,
  /timeout exceeded when trying to connect/i,
  /unable to start a transaction in the given time/i,
  /connection is closed/i,
  /reached the max retries per request limit/i,
  /stream isn't writeable/i,
  // ioredis's commandTimeout: Redis took the command and did not answer (frozen, overloaded).
  /^command timed out$/i,
];
// Redis replies that mean "not now" rather than "wrong".
const REDIS_REPLIES = /^(LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|BUSY)\b/;

/** The message of `error`, for logs and dead letters. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether `error` (or any error in its `cause` chain) says a dependency did not answer. */
export function failureKind(error: unknown): FailureKind {
  for (let current = error, depth = 0; current && depth < 8; current = (current as { cause?: unknown }).cause, depth++) {
    if (isInfrastructure(current)) return "infrastructure";
  }
  return "handler";
}

function isInfrastructure(error: unknown): boolean {
  if (error instanceof ConnectError) return error.code === Code.Unavailable || error.code === Code.DeadlineExceeded;
  if (typeof error !== "object" || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === "string" && (SOCKET_CODES.has(code) || PRISMA_CODES.has(code) || SQLSTATE.test(code))) return true;
  if (name === "MaxRetriesPerRequestError") return true;
  const adapter = driverAdapterCause(error);
  if (adapter && (ADAPTER_KINDS.has(adapter.kind ?? "") || SQLSTATE.test(adapter.code ?? adapter.originalCode ?? ""))) return true;
  const text = typeof message === "string" ? message : "";
  // P2028 is both "no connection to start a transaction in time" (infrastructure) and "the
  // transaction expired" — the handler overran its time, which it would do again.
  if (code === "P2028") return !isExpiredTransaction(error);
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(text)) || (name === "ReplyError" && REDIS_REPLIES.test(text));
}

/** The driver adapter's error under a Prisma error (`meta.driverAdapterError.cause`), if any. */
function driverAdapterCause(error: object): { kind?: string; code?: string; originalCode?: string } | undefined {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: unknown } } }).meta;
  const cause = meta?.driverAdapterError?.cause;
  return typeof cause === "object" && cause !== null ? (cause as { kind?: string; code?: string; originalCode?: string }) : undefined;
}

function isExpiredTransaction(error: object): boolean {
  const meta = (error as { meta?: { timeout?: unknown; timeTaken?: unknown } }).meta;
  if (typeof meta?.timeout === "number" && typeof meta.timeTaken === "number") return meta.timeTaken >= meta.timeout;
  return /expired transaction|transaction already closed/i.test((error as { message?: string }).message ?? "");
}
