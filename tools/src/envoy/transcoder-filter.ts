// REST+JSON for outside clients: grpc_json_transcoder maps each google.api.http binding of the
// public services (read from envoy/descriptors.binpb) to its RPC, with the JSON conventions of the
// design and of the TypeScript edge: lowerCamelCase out, both spellings in, defaults omitted,
// enums by name, service errors as google.rpc.Status JSON.
import type { DescService } from "@bufbuild/protobuf";
import { namedExtension, type EnvoyJson } from "./envoy-values.js";

/** The grpc_json_transcoder filter for `publicServices`, reading the descriptor set at `descriptorPath`. */
export function transcoderFilter(publicServices: readonly DescService[], descriptorPath: string): EnvoyJson {
  return namedExtension("envoy.filters.http.grpc_json_transcoder", "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder", {
    proto_descriptor: descriptorPath,
    services: publicServices.map((service) => service.typeName),
    print_options: {
      add_whitespace: false,
      always_print_primitive_fields: false,
      always_print_enums_as_ints: false,
      preserve_proto_field_names: false,
    },
    // Route on the rewritten gRPC path, so REST and gRPC calls of a method share its route.
    match_incoming_request_route: false,
    // A service's error comes back as JSON {code, message, details}; the detail types are in
    // the descriptor set so they print too.
    convert_grpc_status: true,
    // A query parameter that names no field is a 400, as at the TypeScript edge, not a silent
    // pass-through to a 404.
    ignore_unknown_query_parameters: false,
    query_param_unescape_plus: true,
    request_validation_options: {
      // Connect and gRPC-Web requests are not REST bindings; they must pass through untouched.
      reject_unknown_method: false,
      reject_unknown_query_parameters: true,
      reject_binding_body_field_collisions: true,
    },
  });
}
