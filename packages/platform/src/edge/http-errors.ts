// gRPC errors as REST clients see them: the HTTP status mapped from the code (as
// grpc-gateway and Envoy's transcoder do) and a google.rpc.Status JSON body
// `{ code, message, details }` whose details carry their `@type`.
import { createRegistry, fromBinary, toJson, type JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { file_google_rpc_error_details } from "@junction/gen/google/rpc/error_details_pb";

const HTTP_STATUS: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

const detailTypes = createRegistry(file_google_rpc_error_details);

/** The HTTP status for a gRPC code. */
export function httpStatusOf(code: Code): number {
  return HTTP_STATUS[code] ?? 500;
}

/** The google.rpc.Status JSON body for an error. */
export function errorBody(error: ConnectError): JsonObject {
  const details: JsonObject[] = [];
  for (const detail of error.details) {
    if ("desc" in detail) {
      const json = toJson(detail.desc, detail.value as never, { registry: detailTypes }) as JsonObject;
      details.push({ "@type": `type.googleapis.com/${detail.desc.typeName}`, ...json });
      continue;
    }
    const desc = detailTypes.getMessage(detail.type);
    if (!desc) continue; // a detail type the edge does not know is dropped, not guessed at
    const json = toJson(desc, fromBinary(desc, detail.value), { registry: detailTypes }) as JsonObject;
    details.push({ "@type": `type.googleapis.com/${detail.type}`, ...json });
  }
  return { code: error.code, message: error.rawMessage, details };
}

/** Any thrown value as the ConnectError a client may see (unexpected ones become INTERNAL). */
export function asClientError(error: unknown): ConnectError {
  return error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal);
}
