// A compressed request is held to the message limit after decompression, in every protocol: a
// 64 KiB gzip body that inflates to 64 MiB is RESOURCE_EXHAUSTED (Connect 429, grpc-status 8)
// once 4 MiB are inflated, and a frame whose length prefix is over the limit is refused before its
// bytes arrive. (connect-node caps inflation at readMaxBytes; this pins it for every protocol.)
import { gzipSync } from "node:zlib";
import test from "ava";
import { Code } from "@connectrpc/connect";
import { LIST_USER_ORGANIZATIONS, startOrgsServer } from "../support/orgs-server.js";
import { grpcStatus } from "../support/raw-grpc.js";

const UNARY = LIST_USER_ORGANIZATIONS;
const server = await startOrgsServer();
test.after.always(() => server.close());

// user_id (field 1) of 64 MiB, as protobuf and as JSON; both compress to about 64 KiB.
const INFLATED = 64 * 1024 * 1024;
const protoBomb = gzipSync(Buffer.concat([Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x20]), Buffer.alloc(INFLATED, 0x61)]), { level: 9 });
const jsonBomb = gzipSync(Buffer.from(JSON.stringify({ userId: "a".repeat(INFLATED) })), { level: 9 });
const frame = (payload: Uint8Array, flags: number, length = payload.byteLength) => {
  const prefix = Buffer.alloc(5);
  prefix[0] = flags;
  prefix.writeUInt32BE(length, 1);
  return Buffer.concat([prefix, payload]);
};

test("the bombs are small on the wire", (t) => {
  t.true(protoBomb.byteLength < 128 * 1024 && jsonBomb.byteLength < 128 * 1024);
});

test("Connect unary: a gzip body inflating past the limit is 429 resource_exhausted, proto or JSON", async (t) => {
  for (const [contentType, body] of [["application/proto", protoBomb], ["application/json", jsonBomb]] as const) {
    const res = await fetch(`${server.url}${UNARY}`, { method: "POST", headers: { "content-type": contentType, "content-encoding": "gzip", "connect-protocol-version": "1" }, body });
    t.is(res.status, 429, contentType);
    t.like(await res.json(), { code: "resource_exhausted" });
  }
});

test("gRPC-Web and gRPC: a compressed frame inflating past the limit, or a length prefix over it, is RESOURCE_EXHAUSTED", async (t) => {
  const bodies = { bomb: frame(protoBomb, 1), "length prefix of 64 MiB": frame(new Uint8Array(16), 0, INFLATED) };
  for (const [name, body] of Object.entries(bodies)) {
    const res = await fetch(`${server.url}${UNARY}`, { method: "POST", headers: { "content-type": "application/grpc-web+proto", "grpc-encoding": "gzip" }, body });
    const text = Buffer.from(await res.arrayBuffer()).toString("latin1");
    t.is(res.headers.get("grpc-status") ?? /grpc-status: ?(\d+)/.exec(text)?.[1], String(Code.ResourceExhausted), `gRPC-Web, ${name}`);

    t.is(await grpcStatus(server.url, UNARY, body, { "grpc-encoding": "gzip" }), String(Code.ResourceExhausted), `gRPC, ${name}`);
  }
});
