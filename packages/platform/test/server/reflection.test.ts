// Server reflection served by Connect on a real h2c port. The real grpcurl discovers and calls
// through it; grpc-js (an independent gRPC implementation) asks the protocol-level questions
// grpcurl cannot be made to ask (errors on a live stream, extension numbers, v1alpha alone).
import { execFile } from "node:child_process";
import http2 from "node:http2";
import { promisify } from "node:util";
import type { AddressInfo } from "node:net";
import test, { type ExecutionContext } from "ava";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { create, createFileRegistry, fromBinary, getExtension, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { http } from "@junction/gen/google/api/annotations_pb";
import { AuthService, GetJwksResponseSchema, JsonWebKeySchema } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { Health, HealthRegistry, healthService } from "../../src/server/health.js";
import { registerReflection } from "../../src/server/reflection.js";
import { tool } from "../support/tools.js";

const execFileAsync = promisify(execFile);
const grpcurlOut = async (args: string[]) => (await execFileAsync(tool("grpcurl"), args, { timeout: 10_000 })).stdout;

const FAKE_KEY = { kty: "OKP", kid: "test-key-1", alg: "EdDSA", use: "sig", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" };

type Version = "v1" | "v1alpha";

/** ServerReflectionRequest as grpc-js sends it (proto field names). */
interface ReflectionRequest {
  host?: string;
  list_services?: string;
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type: string; extension_number: number };
  all_extension_numbers_of_type?: string;
}
/** ServerReflectionResponse as grpc-js decodes it. */
interface ReflectionResponse {
  valid_host: string;
  original_request: ReflectionRequest & { message_request?: string };
  message_response: string;
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  all_extension_numbers_response?: { base_type_name: string; extension_number: number[] };
  list_services_response?: { service: { name: string }[] };
  error_response?: { error_code: number; error_message: string };
}
interface ReflectionClient extends grpc.Client {
  ServerReflectionInfo(): grpc.ClientDuplexStream<ReflectionRequest, ReflectionResponse>;
}

const loaderOptions = { keepCase: true, oneofs: true, arrays: true, longs: Number, enums: String };
const reflectionClients = Object.fromEntries(
  (["v1", "v1alpha"] as const).map((version) => {
    const definition = protoLoader.loadSync(`node_modules/@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`, loaderOptions);
    const packages = grpc.loadPackageDefinition(definition) as unknown as {
      grpc: { reflection: Record<Version, { ServerReflection: grpc.ServiceClientConstructor }> };
    };
    return [version, packages.grpc.reflection[version].ServerReflection];
  }),
) as Record<Version, grpc.ServiceClientConstructor>;

/** A real h2c server with a test AuthService (GetJwks only), health and reflection; closed on teardown. */
async function serve(t: ExecutionContext): Promise<string> {
  const routes = (router: ConnectRouter): void => {
    router.service(AuthService, { getJwks: () => create(GetJwksResponseSchema, { keys: [create(JsonWebKeySchema, FAKE_KEY)] }) });
    router.service(Health, healthService(new HealthRegistry([AuthService.typeName])));
    registerReflection(router);
  };
  const server = http2.createServer(connectNodeAdapter({ routes }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** One reflection stream: `ask` sends a request and resolves with its response. */
function reflectionStream(t: ExecutionContext, address: string, version: Version = "v1") {
  const client = new reflectionClients[version](address, grpc.credentials.createInsecure()) as unknown as ReflectionClient;
  const call = client.ServerReflectionInfo();
  const waiting: { resolve: (response: ReflectionResponse) => void; reject: (error: Error) => void }[] = [];
  call.on("data", (response: ReflectionResponse) => waiting.shift()?.resolve(response));
  call.on("error", (error: Error) => waiting.splice(0).forEach((w) => w.reject(error)));
  t.teardown(() => {
    call.end();
    client.close();
  });
  return {
    ask: (request: ReflectionRequest): Promise<ReflectionResponse> =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        call.write(request);
      }),
  };
}

function decodeFiles(response: ReflectionResponse): FileDescriptorProto[] {
  const files = response.file_descriptor_response?.file_descriptor_proto ?? [];
  return files.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
}

/** A registry built only from what reflection sent, as a dynamic client would. */
function registryOf(files: FileDescriptorProto[]): FileRegistry {
  const byName = new Map(files.map((file) => [file.name, file]));
  return createFileRegistry(files[0] as FileDescriptorProto, (name) => byName.get(name));
}

test("list_services names every served service, health and both reflection versions", async (t) => {
  const stream = reflectionStream(t, await serve(t));
  const response = await stream.ask({ host: "localhost", list_services: "*" });
  t.is(response.message_response, "list_services_response");
  t.deepEqual(response.list_services_response?.service.map((s) => s.name), [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "junction.auth.v1.AuthService",
  ]);
  t.is(response.valid_host, "localhost");
  t.is(response.original_request.list_services, "*");
});

test("file_containing_symbol returns the file and its imports; grpcurl calls GetJwks from them alone", async (t) => {
  const address = await serve(t);
  const stream = reflectionStream(t, address);
  const files = decodeFiles(await stream.ask({ file_containing_symbol: "junction.auth.v1.AuthService" }));
  const names = files.map((file) => file.name);
  t.is(names[0], "junction/auth/v1/auth_service.proto");
  for (const name of ["google/api/annotations.proto", "google/api/http.proto", "google/protobuf/descriptor.proto"]) {
    t.true(names.includes(name), `${name} is sent`);
  }

  const registry = registryOf(files);
  const getJwks = registry.getService("junction.auth.v1.AuthService")?.methods.find((m) => m.name === "GetJwks");
  if (getJwks === undefined) return t.fail("GetJwks not resolvable from the reflected descriptors");
  const route = getJwks.proto.options && getExtension(getJwks.proto.options, http).pattern;
  t.deepEqual(route, { case: "get", value: "/.well-known/jwks.json" }, "the google.api.http option survives");

  // The real grpcurl, from reflection alone.
  const body = JSON.parse(await grpcurlOut(["-plaintext", "-d", "{}", address, "junction.auth.v1.AuthService/GetJwks"])) as unknown;
  t.deepEqual(body, { keys: [FAKE_KEY] });
});

test("symbols resolve for methods, nested types, fields, enums and enum values", async (t) => {
  const stream = reflectionStream(t, await serve(t));
  const fileOf = async (symbol: string): Promise<string | undefined> =>
    decodeFiles(await stream.ask({ file_containing_symbol: symbol }))[0]?.name;
  t.is(await fileOf("junction.auth.v1.AuthService.GetJwks"), "junction/auth/v1/auth_service.proto");
  t.is(await fileOf("junction.auth.v1.JsonWebKey"), "junction/auth/v1/auth_service.proto");
  t.is(await fileOf("junction.auth.v1.JsonWebKey.kid"), "junction/auth/v1/auth_service.proto");
  t.is(await fileOf("grpc.health.v1.HealthCheckResponse.ServingStatus"), "health/v1/health.proto");
  t.is(await fileOf("grpc.health.v1.HealthCheckResponse.SERVICE_UNKNOWN"), "health/v1/health.proto");
  t.is(await fileOf("google.protobuf.FieldDescriptorProto.Type"), "google/protobuf/descriptor.proto");
  t.is(await fileOf("google.api.http"), "google/api/annotations.proto");
});

test("an unknown symbol is NOT_FOUND and the same stream keeps answering", async (t) => {
  const stream = reflectionStream(t, await serve(t));
  const missing = await stream.ask({ file_containing_symbol: "junction.nope.v1.Nope" });
  t.is(missing.message_response, "error_response");
  t.is(missing.error_response?.error_code, grpc.status.NOT_FOUND);
  t.is(missing.original_request.file_containing_symbol, "junction.nope.v1.Nope");
  const missingFile = await stream.ask({ file_by_filename: "nope.proto" });
  t.is(missingFile.error_response?.error_code, grpc.status.NOT_FOUND);
  const next = await stream.ask({ file_by_filename: "health/v1/health.proto" });
  t.deepEqual(decodeFiles(next).map((file) => file.name), ["health/v1/health.proto"]);
});

test("extensions: all_extension_numbers_of_type and file_containing_extension", async (t) => {
  const stream = reflectionStream(t, await serve(t));
  const numbers = await stream.ask({ all_extension_numbers_of_type: "google.protobuf.MethodOptions" });
  t.deepEqual(numbers.all_extension_numbers_response, { base_type_name: "google.protobuf.MethodOptions", extension_number: [50003, 72295728] }, "google.api.http and junction.common.v1.allow_anonymous");
  const none = await stream.ask({ all_extension_numbers_of_type: "junction.auth.v1.JsonWebKey" });
  t.deepEqual(none.all_extension_numbers_response?.extension_number, []);
  const unknownType = await stream.ask({ all_extension_numbers_of_type: "junction.nope.v1.Nope" });
  t.is(unknownType.error_response?.error_code, grpc.status.NOT_FOUND);
  const http = await stream.ask({ file_containing_extension: { containing_type: "google.protobuf.MethodOptions", extension_number: 72295728 } });
  t.is(decodeFiles(http)[0]?.name, "google/api/annotations.proto");
  const unknownNumber = await stream.ask({ file_containing_extension: { containing_type: "google.protobuf.MethodOptions", extension_number: 1 } });
  t.is(unknownNumber.error_response?.error_code, grpc.status.NOT_FOUND);
});

test("v1alpha answers the same questions", async (t) => {
  const stream = reflectionStream(t, await serve(t), "v1alpha");
  const list = await stream.ask({ host: "h", list_services: "" });
  t.true(list.list_services_response?.service.some((s) => s.name === "junction.auth.v1.AuthService"));
  t.is(list.valid_host, "h");
  const files = decodeFiles(await stream.ask({ file_containing_symbol: "junction.auth.v1.GetJwksRequest" }));
  t.truthy(registryOf(files).getMessage("junction.auth.v1.GetJwksResponse"));
  const missing = await stream.ask({ file_containing_symbol: "junction.nope.v1.Nope" });
  t.is(missing.error_response?.error_code, grpc.status.NOT_FOUND);
});
