// Peer: a bare @grpc/grpc-js server answering auth GetJwks, the server a Node team would pick
// for plain gRPC. Decodes each request and encodes each answer with the same generated types.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { AuthService, GetJwksRequestSchema, GetJwksResponseSchema, type GetJwksResponse } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { announce, jwksAnswer } from "./fixtures.js";

const server = new grpc.Server();
const getJwks: grpc.MethodDefinition<unknown, GetJwksResponse> = {
  path: `/${AuthService.typeName}/GetJwks`,
  requestStream: false,
  responseStream: false,
  requestSerialize: (m) => Buffer.from(toBinary(GetJwksRequestSchema, m as never)),
  requestDeserialize: (bytes) => fromBinary(GetJwksRequestSchema, bytes),
  responseSerialize: (m) => Buffer.from(toBinary(GetJwksResponseSchema, m)),
  responseDeserialize: (bytes) => fromBinary(GetJwksResponseSchema, bytes),
};
server.addService({ getJwks }, { getJwks: (_call: unknown, done: grpc.sendUnaryData<GetJwksResponse>) => done(null, jwksAnswer()) });
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  announce(`port ${port}`);
});
