// Received HTTP/2 headers read as Fetch API Headers without being copied: whatever a caller does
// with them (read, iterate, change, copy into another Headers) gives what a copy would.
import type http2 from "node:http2";
import test from "ava";
import fc from "fast-check";
import { IncomingHeaders } from "../src/incoming-headers.js";

const received = (): http2.IncomingHttpHeaders =>
  ({ __proto__: null, ":path": "/x", ":method": "POST", authorization: "Bearer a", "x-multi": ["one", "two"], "content-type": "application/grpc" }) as never;

test("reads go to the received headers, without pseudo-headers, case-insensitively", (t) => {
  const headers = new IncomingHeaders(received());
  t.true(headers instanceof Headers);
  t.is(headers.get("Authorization"), "Bearer a");
  t.is(headers.get("x-multi"), "one, two");
  t.is(headers.get(":path"), null);
  t.is(headers.get("constructor"), null);
  t.false(headers.has("missing"));
  t.true(headers.has("CONTENT-TYPE"));
});

test("iterating, copying and changing see exactly what a copied Headers holds", (t) => {
  const expected = new Headers([["authorization", "Bearer a"], ["x-multi", "one"], ["x-multi", "two"], ["content-type", "application/grpc"]]);
  t.deepEqual([...new IncomingHeaders(received())], [...expected]);
  t.deepEqual([...new Headers(new IncomingHeaders(received()))], [...expected]);
  const seen: string[] = [];
  const headers = new IncomingHeaders(received());
  headers.forEach((value, name, parent) => {
    seen.push(`${name}=${value}`);
    t.is(parent, headers);
  });
  t.deepEqual(seen, ["authorization=Bearer a", "content-type=application/grpc", "x-multi=one, two"]);
  const changed = new IncomingHeaders(received());
  changed.set("authorization", "Bearer b");
  changed.append("x-new", "1");
  changed.delete("content-type");
  t.is(changed.get("authorization"), "Bearer b");
  t.deepEqual([...changed.keys()], ["authorization", "x-multi", "x-new"]);
  t.deepEqual([...changed.values()], ["Bearer b", "one, two", "1"]);
});

test("any received header set reads and iterates as a copy into Headers would", (t) => {
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
  const value = fc.stringMatching(/^[\x21-\x7e]{0,16}$/);
  fc.assert(
    fc.property(fc.dictionary(name, fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 }))), fc.array(name, { maxLength: 5 }), (raw, probes) => {
      const copy = new Headers();
      for (const [n, v] of Object.entries(raw)) for (const item of [v].flat()) copy.append(n, item);
      const lazy = new IncomingHeaders(Object.assign(Object.create(null), raw));
      for (const probe of [...probes, ...Object.keys(raw)]) {
        if (lazy.get(probe) !== copy.get(probe) || lazy.has(probe.toUpperCase()) !== copy.has(probe)) return false;
      }
      return JSON.stringify([...lazy]) === JSON.stringify([...copy]);
    }),
  );
  t.pass();
});
