// Reference: the least any Node gRPC server can do — node:http2 answering every stream with the
// same pre-encoded GetJwks answer and status trailers, parsing nothing.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { toBinary } from "@bufbuild/protobuf";
import { GetJwksResponseSchema } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { announce, jwksAnswer } from "./fixtures.js";

const body = toBinary(GetJwksResponseSchema, jwksAnswer());
const framed = Buffer.alloc(5 + body.length);
framed.writeUInt32BE(body.length, 1);
framed.set(body, 5);
const server = http2.createServer();
server.on("stream", (stream) => {
  stream.on("data", () => {});
  stream.on("error", () => {});
  stream.on("end", () => {
    stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(framed);
  });
});
server.listen(0, "127.0.0.1", () => announce(`port ${(server.address() as AddressInfo).port}`));
