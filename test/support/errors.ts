// Assertions on the errors services answer with: gRPC code, ErrorInfo reason, BadRequest fields.
import type { ExecutionContext } from "ava";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorReason, fieldViolations } from "@junction/platform";

/** Asserts that `call` fails with `code` and ErrorInfo `reason`; returns the error. */
export async function assertRefused(t: ExecutionContext, call: Promise<unknown>, code: Code, reason: string): Promise<ConnectError> {
  const error = ConnectError.from(await t.throwsAsync(call));
  t.is(Code[error.code], Code[code], `code of: ${error.message}`);
  t.is(errorReason(error), reason, `reason of: ${error.message}`);
  return error;
}

/** Asserts that `call` fails with INVALID_ARGUMENT naming exactly `fields` (in any order). */
export async function assertInvalid(t: ExecutionContext, call: Promise<unknown>, fields: readonly string[], label = ""): Promise<ConnectError> {
  const error = ConnectError.from(await t.throwsAsync(call, undefined, label));
  t.is(Code[error.code], Code[Code.InvalidArgument], `${label} code of: ${error.message}`);
  t.deepEqual([...new Set(fieldViolations(error).map((v) => v.field))].sort(), [...fields].sort(), `${label} fields of: ${error.message}`);
  return error;
}
