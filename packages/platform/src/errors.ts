// gRPC errors with google.rpc details: every error a client sees has a code, a message and,
// for domain errors, a stable machine-readable reason.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  BadRequest_FieldViolationSchema,
  ErrorInfoSchema,
} from "@junction/gen/google/rpc/error_details_pb";

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

/**
 * Turns anything thrown by a handler into what the client may see: ConnectErrors pass
 * through; anything else becomes INTERNAL without its message or stack (`onUnexpected` logs it).
 */
export function toClientError(error: unknown, onUnexpected: (error: unknown) => void): ConnectError {
  if (error instanceof ConnectError) return error;
  onUnexpected(error);
  return new ConnectError("internal error", Code.Internal);
}
