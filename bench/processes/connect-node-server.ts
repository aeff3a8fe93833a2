// Peer: a bare @connectrpc/connect-node server on HTTP/2 answering auth GetJwks, no interceptors.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { announce, jwksAnswer } from "./fixtures.js";

const server = http2.createServer(connectNodeAdapter({ routes: (router) => router.service(AuthService, { getJwks: () => jwksAnswer() }) }));
server.listen(0, "127.0.0.1", () => announce(`port ${(server.address() as AddressInfo).port}`));
