// A request body that claims a compression it does not decode under (cut-off gzip, bytes that are
// no brotli) is the caller's mistake: INVALID_ARGUMENT in every protocol (Connect 400, grpc-status
// 3), not the INTERNAL "decompression failed" connect-node answers for zlib errors other than a
// bad header. Found by the protocol fuzz (test/protocol-fuzz.e2e.test.ts).
import { gzipSync } from "node:zlib";
import test from "ava";
import { Code } from "@connectrpc/connect";
import { LIST_USER_ORGANIZATIONS, startOrgsServer } from "../support/orgs-server.js";
import { grpcStatus } from "../support/raw-grpc.js";

const UNARY = LIST_USER_ORGANIZATIONS;
const server = await startOrgsServer();
test.after.always(() => server.close());

const MESSAGE = Buffer.from([0x0a, 0x02, 0x75, 0x31]);
const gzipped = gzipSync(MESSAGE);
// Each is refused by zlib with something other than Z_DATA_ERROR.
const CORRUPT = { "gzip, cut off": ["gzip", gzipped.subarray(0, gzipped.length - 6)], "br, not brotli": ["br", MESSAGE] } as const;
const frame = (payload: Uint8Array) => Buffer.concat([Buffer.from([1, 0, 0, 0, payload.byteLength]), payload]);

test("Connect unary, by POST or GET: a body that does not decompress is 400 invalid_argument", async (t) => {
  for (const [name, [encoding, body]] of Object.entries(CORRUPT)) {
    const post = await fetch(`${server.url}${UNARY}`, { method: "POST", headers: { "content-type": "application/proto", "content-encoding": encoding, "connect-protocol-version": "1" }, body });
    t.is(post.status, 400, `POST, ${name}`);
    t.like(await post.json(), { code: "invalid_argument" }, `POST, ${name}`);
    const get = await fetch(`${server.url}${UNARY}?connect=v1&encoding=proto&base64=1&compression=${encoding}&message=${body.toString("base64url")}`);
    t.is(get.status, 400, `GET, ${name}`);
    t.like(await get.json(), { code: "invalid_argument" }, `GET, ${name}`);
  }
});

test("gRPC and gRPC-Web: a compressed frame that does not decompress is INVALID_ARGUMENT", async (t) => {
  for (const [name, [encoding, body]] of Object.entries(CORRUPT)) {
    t.is(await grpcStatus(server.url, UNARY, frame(body), { "grpc-encoding": encoding }), String(Code.InvalidArgument), `gRPC, ${name}`);
    const res = await fetch(`${server.url}${UNARY}`, { method: "POST", headers: { "content-type": "application/grpc-web+proto", "grpc-encoding": encoding }, body: frame(body) });
    const text = Buffer.from(await res.arrayBuffer()).toString("latin1");
    t.is(res.headers.get("grpc-status") ?? /grpc-status: ?(\d+)/.exec(text)?.[1], String(Code.InvalidArgument), `gRPC-Web, ${name}`);
  }
});
