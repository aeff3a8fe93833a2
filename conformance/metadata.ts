// Conformance headers (a name and its values) to and from fetch Headers: request headers the
// server echoes, response headers and trailers a test case asks for, and what the client saw.
import { create } from "@bufbuild/protobuf";
import { HeaderSchema, type Header } from "../var/conformance/gen/connectrpc/conformance/v1/service_pb.js";

/** Every entry of `headers`; repeated values arrive joined with ", ", which the runner accepts. */
export function toConformanceHeaders(headers: Headers): Header[] {
  const result: Header[] = [];
  headers.forEach((value, name) => result.push(create(HeaderSchema, { name, value: [value] })));
  return result;
}

/** Appends every value of `headers` to `target`, keeping repeated names repeated. */
export function appendHeaders(target: Headers, headers: readonly Header[]): void {
  for (const header of headers) for (const value of header.value) target.append(header.name, value);
}
