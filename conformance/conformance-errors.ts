// Errors between the suite's description (connectrpc.conformance.v1.Error: code, message,
// details as Any) and ConnectError, on both sides: the server raises what a case asks for,
// the client reports what it received.
import { create } from "@bufbuild/protobuf";
import { anyPack, AnySchema, type Any } from "@bufbuild/protobuf/wkt";
import { ConnectError, type Code } from "@connectrpc/connect";
import type { Code as ConformanceCode } from "../var/conformance/gen/connectrpc/conformance/v1/config_pb.js";
import {
  ConformancePayload_RequestInfoSchema,
  ErrorSchema,
  type ConformancePayload_RequestInfo,
  type Error as ConformanceError,
} from "../var/conformance/gen/connectrpc/conformance/v1/service_pb.js";

const TYPE_URL_PREFIX = "type.googleapis.com/";

/** The error a test case asks the server to raise, followed by the request info when given. */
export function raiseable(spec: ConformanceError, requestInfo?: ConformancePayload_RequestInfo): ConnectError {
  const echo = requestInfo ? [{ desc: ConformancePayload_RequestInfoSchema, value: requestInfo }] : [];
  // The conformance codes are the Connect codes, number for number.
  const error = new ConnectError(spec.message ?? "", spec.code as number as Code, undefined, echo);
  // Details arrive packed; passing them on as (type, bytes) sends them unchanged, without a registry.
  const packed = spec.details.map((any) => ({ type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1), value: any.value }));
  error.details.unshift(...packed);
  return error;
}

/** What the client reports for an RPC error: code, raw message and every detail, still packed. */
export function describeError(error: ConnectError): ConformanceError {
  const details: Any[] = error.details.map((detail) =>
    "desc" in detail
      ? anyPack(detail.desc, create(detail.desc, detail.value))
      : create(AnySchema, { typeUrl: TYPE_URL_PREFIX + detail.type, value: detail.value }),
  );
  return create(ErrorSchema, { code: error.code as number as ConformanceCode, message: error.rawMessage, details });
}
