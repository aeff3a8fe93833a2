// gRPC errors with google.rpc details: every error a client sees has a code, a message and,
// for domain errors, a stable machine-readable reason.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  BadRequest_FieldViolationSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "@junction/gen/google/rpc/error_details_pb";
import { failureKind, type FailureKind } from "./failure-kind.js";

/** The ErrorInfo domain of every Junction error. */
export const ERROR_DOMAIN = "junction.dev";

/** One bad input field, named by its proto path (e.g. "profile.display_name"). */
export interface FieldViolation {
  field: string;
  description: string;
}

/** An error with a stable reason (ErrorInfo) that clients may branch on. */
export function domainError(code: Code, reason: string, message: string, metadata: Record<string, string> = {}): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata }) },
  ]);
}

/** INVALID_ARGUMENT with a BadRequest detail listing every bad field. */
export function invalidArgument(violations: FieldViolation[], message?: string): ConnectError {
  const text = message ?? violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  return new ConnectError(text, Code.InvalidArgument, undefined, [
    {
      desc: BadRequestSchema,
      value: create(BadRequestSchema, {
        fieldViolations: violations.map((v) => create(BadRequest_FieldViolationSchema, v)),
      }),
    },
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "INVALID_ARGUMENT", domain: ERROR_DOMAIN }) },
  ]);
}

/** Collects field violations during validation, then throws them all at once. */
export class FieldViolations {
  readonly list: FieldViolation[] = [];

  /** Records that `field` is bad. */
  add(field: string, description: string): this {
    this.list.push({ field, description });
    return this;
  }

  /** Throws INVALID_ARGUMENT when any violation was recorded. */
  throwIfAny(): void {
    if (this.list.length > 0) throw invalidArgument(this.list);
  }
}

/** The ErrorInfo reason carried by an error, if any. */
export function errorReason(error: unknown): string | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  return error.findDetails(ErrorInfoSchema)[0]?.reason;
}

/** The BadRequest field violations carried by an error. */
export function fieldViolations(error: unknown): FieldViolation[] {
  if (!(error instanceof ConnectError)) return [];
  return error
    .findDetails(BadRequestSchema)
    .flatMap((detail) => detail.fieldViolations.map(({ field, description }) => ({ field, description })));
}

/** Seconds a client is told to wait before retrying an UNAVAILABLE answer. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * UNAVAILABLE with a stable reason, a google.rpc.RetryInfo and a `retry-after` header (HTTP 503
 * with Retry-After at the edge): the caller may try again shortly; nothing was done.
 */
export function unavailable(reason: string, message: string, metadata: Record<string, string> = {}, cause?: unknown): ConnectError {
  const seconds = RETRY_AFTER_SECONDS;
  return new ConnectError(
    message,
    Code.Unavailable,
    { "retry-after": String(seconds) },
    [
      { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata }) },
      { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: { seconds: BigInt(seconds) } }) },
    ],
    cause,
  );
}

/**
 * Turns anything thrown by a handler into what the client may see: ConnectErrors pass through;
 * a dependency that did not answer (database, Redis, a socket) is UNAVAILABLE
 * (DEPENDENCY_UNAVAILABLE), never INTERNAL; anything else is INTERNAL. Neither carries the
 * original message or stack; `onFailure` logs them.
 */
export function toClientError(error: unknown, onFailure: (error: unknown, kind: FailureKind) => void): ConnectError {
  if (error instanceof ConnectError) return error;
  const kind = failureKind(error);
  onFailure(error, kind);
  if (kind === "infrastructure") return unavailable("DEPENDENCY_UNAVAILABLE", "a dependency of this service is unavailable; try again");
  return new ConnectError("internal error", Code.Internal);
}
