// Which failures pause a consumer (its dependencies do not answer) and which count against the
// event. The Prisma and pg shapes are those a real PostgreSQL outage produced (captured against
// a cluster stopped under a running client; see consumer-pause.test.ts for the outage itself).
import test from "ava";
import { Code, ConnectError } from "@connectrpc/connect";
import { failureKind } from "../src/failure-kind.js";

/** A Prisma known-request error as the client throws it. */
function prismaError(code: string, message: string, meta: object = {}): Error {
  return Object.assign(new Error(message), { name: "PrismaClientKnownRequestError", code, meta, clientVersion: "7" });
}

/** A Prisma error wrapping the pg driver adapter's error. */
function adapterError(prismaCode: string, cause: object): Error {
  return prismaError(prismaCode, "Database error", { driverAdapterError: { name: "DriverAdapterError", cause } });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: "connect", errno: -111 });
}

const infrastructure: Array<[string, unknown]> = [
  ["Prisma P1001: can't reach the database server", prismaError("P1001", "Can't reach database server at 127.0.0.1:5432")],
  ["Prisma P1002: the server timed out", prismaError("P1002", "The database server was reached but timed out")],
  ["Prisma P1017: the server closed the connection", prismaError("P1017", "Server has closed the connection.")],
  ["Prisma P2024: no pooled connection in time", prismaError("P2024", "Timed out fetching a new connection from the connection pool.")],
  ["Prisma P2028: no connection to start a transaction in time", prismaError("P2028", "Transaction API error: Unable to start a transaction in the given time.")],
  ["Prisma P2037: too many connections", adapterError("P2037", { kind: "TooManyConnections", originalCode: "53300" })],
  ["adapter: database not reachable", adapterError("P1001", { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 })],
  ["adapter: connection closed", adapterError("P1017", { kind: "ConnectionClosed" })],
  ["57P01 terminating connection due to administrator command", adapterError("P2010", { kind: "postgres", code: "57P01", originalCode: "57P01" })],
  ["57P03 the database system is shutting down", adapterError("P2039", { kind: "postgres", code: "57P03", originalCode: "57P03" })],
  ["pg: too many clients (53300)", Object.assign(new Error("sorry, too many clients already"), { code: "53300", severity: "FATAL" })],
  ["pg: connection failure (08006)", Object.assign(new Error("connection failure"), { code: "08006", severity: "FATAL" })],
  ["pg: a client whose connection broke", new Error("Client has encountered a connection error and is not queryable")],
  ["pg: connection terminated unexpectedly", new Error("Connection terminated unexpectedly")],
  ["pg pool: timeout acquiring a connection", new Error("timeout exceeded when trying to connect")],
  ["socket: connection refused", socketError("ECONNREFUSED")],
  ["socket: connection reset", socketError("ECONNRESET")],
  ["Redis: connection closed", new Error("Connection is closed.")],
  ["Redis: retries per request exhausted", Object.assign(new Error("Reached the max retries per request limit (which is 1)."), { name: "MaxRetriesPerRequestError" })],
  ["Redis: a command not answered in time (a frozen or overloaded server)", new Error("Command timed out")],
  ["Redis: a command refused while the connection is down", new Error("Stream isn't writeable and enableOfflineQueue options is false")],
  ["Redis: loading the dataset", Object.assign(new Error("LOADING Redis is loading the dataset in memory"), { name: "ReplyError" })],
  ["a called service: UNAVAILABLE", new ConnectError("upstream connect error", Code.Unavailable)],
  ["a called service: DEADLINE_EXCEEDED", new ConnectError("deadline exceeded", Code.DeadlineExceeded)],
  ["a cause further down the chain", new Error("could not greet", { cause: new Error("wrapped", { cause: socketError("ECONNREFUSED") }) })],
];

const handler: Array<[string, unknown]> = [
  ["a plain handler error", new Error("no greeting template for User 1")],
  ["a unique constraint (the handler's data)", adapterError("P2002", { kind: "UniqueConstraintViolation", constraint: { fields: ["email"] } })],
  ["a record not found", prismaError("P2025", "An operation failed because it depends on one or more records that were required but not found.")],
  ["a deadlock, retried like any handler failure", adapterError("P2034", { kind: "TransactionWriteConflict" })],
  [
    "Prisma P2028: the transaction expired (the handler overran its time)",
    prismaError("P2028", "Transaction API error: Transaction already closed: A query cannot be executed on an expired transaction.", { timeout: 200, timeTaken: 402 }),
  ],
  ["a called service: INVALID_ARGUMENT", new ConnectError("bad email", Code.InvalidArgument)],
  ["a called service: NOT_FOUND", new ConnectError("no such user", Code.NotFound)],
  ["a called service: INTERNAL", new ConnectError("internal error", Code.Internal)],
  ["a Redis command error", Object.assign(new Error("WRONGTYPE Operation against a key holding the wrong kind of value"), { name: "ReplyError" })],
  ["a thrown string", "boom"],
  ["nothing", undefined],
];

for (const [what, error] of infrastructure) {
  test(`infrastructure: ${what}`, (t) => t.is(failureKind(error), "infrastructure"));
}
for (const [what, error] of handler) {
  test(`handler: ${what}`, (t) => t.is(failureKind(error), "handler"));
}
