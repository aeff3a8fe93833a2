// Page tokens round-trip their position and are refused by any other query.
import test from "ava";
import { decodePageToken, encodePageToken } from "../src/page-token.js";

test("a token gives back its position to the query that issued it", (t) => {
  const token = encodePageToken("org:o1", { joinedAt: "2026-01-01T00:00:00.000Z", userId: "u9" });
  t.regex(token, /^[A-Za-z0-9_-]+$/);
  t.deepEqual(decodePageToken(token, "org:o1"), { joinedAt: "2026-01-01T00:00:00.000Z", userId: "u9" });
});

test("a token from another scope, or a malformed one, is refused", (t) => {
  const token = encodePageToken("org:o1", { sequence: "42" });
  t.is(decodePageToken(token, "org:o2"), undefined);
  t.is(decodePageToken("not a token", "org:o1"), undefined);
  t.is(decodePageToken(Buffer.from('{"s":"org:o1","p":{"sequence":42}}').toString("base64url"), "org:o1"), undefined);
  t.is(decodePageToken(Buffer.from('{"s":"org:o1","p":[1]}').toString("base64url"), "org:o1"), undefined);
});
