// HeaderFields behaves as the Fetch API Headers it stands in for: whatever a caller does with it
// (read, write, iterate, copy into another Headers) gives what undici's Headers gives, received
// HTTP/2 headers are read in place without their pseudo-headers, and invalid names and values are
// refused as Headers refuses them.
import type http2 from "node:http2";
import { inspect } from "node:util";
import test from "ava";
import fc from "fast-check";
import { copyHeaders, HeaderFields } from "../src/header-fields.js";

const received = (): http2.IncomingHttpHeaders =>
  ({ __proto__: null, ":path": "/x", ":method": "POST", authorization: "Bearer a", "x-multi": ["one", "two"], "content-type": "application/grpc" }) as never;

test("received headers are read in place, without pseudo-headers, case-insensitively", (t) => {
  const raw = received();
  const headers = new HeaderFields(raw);
  t.true(headers instanceof Headers);
  t.is(Object.prototype.toString.call(headers), "[object Headers]");
  t.regex(inspect(headers), /Bearer a/, "util.inspect (console.log) shows the fields without reaching undici's internals");
  t.is(headers.get("Authorization"), "Bearer a");
  t.is(headers.get("x-multi"), "one, two");
  t.is(headers.get(":path"), null);
  t.is(headers.get("constructor"), null);
  t.false(headers.has("missing"));
  t.false(headers.has(":method"));
  t.true(headers.has("CONTENT-TYPE"));
  headers.set("authorization", "Bearer b");
  t.is(raw.authorization, "Bearer a", "a change never reaches the received object");
  t.deepEqual(copyHeaders(headers), { authorization: "Bearer b", "x-multi": ["one", "two"], "content-type": "application/grpc" });
});

test("iterating, copying and changing see exactly what undici's Headers holds", (t) => {
  const expected = new Headers([["authorization", "Bearer a"], ["x-multi", "one"], ["x-multi", "two"], ["content-type", "application/grpc"]]);
  t.deepEqual([...new HeaderFields(received())], [...expected]);
  t.deepEqual([...new Headers(new HeaderFields(received()))], [...expected]);
  t.deepEqual([...HeaderFields.from(expected)], [...expected]);
  const seen: string[] = [];
  const headers = new HeaderFields(received());
  headers.forEach((value, name, parent) => {
    seen.push(`${name}=${value}`);
    t.is(parent, headers);
  });
  t.deepEqual(seen, ["authorization=Bearer a", "content-type=application/grpc", "x-multi=one, two"]);
  const changed = new HeaderFields(received());
  changed.set("Authorization", "Bearer b");
  changed.append("x-new", " 1 ");
  changed.delete("content-type");
  t.is(changed.get("authorization"), "Bearer b");
  t.deepEqual([...changed.keys()], ["authorization", "x-multi", "x-new"]);
  t.deepEqual([...changed.values()], ["Bearer b", "one, two", "1"]);
  const cookies = HeaderFields.from([["set-cookie", "a=1"], ["set-cookie", "b=2"]]);
  t.deepEqual(cookies.getSetCookie(), ["a=1", "b=2"]);
  t.deepEqual([...cookies], [["set-cookie", "a=1"], ["set-cookie", "b=2"]]);
});

test("names and values undici refuses are refused", (t) => {
  const headers = new HeaderFields();
  for (const [name, value] of [["bad name", "v"], ["", "v"], ["x", "a\r\nb"], ["x", "nul\0"], ["x", "snow ☃"]] as const) {
    t.throws(() => new Headers().set(name, value), { instanceOf: TypeError });
    t.throws(() => headers.set(name, value), { instanceOf: TypeError }, `${JSON.stringify(name)}: ${JSON.stringify(value)}`);
    t.throws(() => headers.append(name, value), { instanceOf: TypeError });
  }
});

test("any sequence of writes reads and iterates as undici's Headers after the same writes", (t) => {
  const name = fc.constantFrom("a", "B", "x-multi", "set-cookie", "Content-Type", "te");
  const value = fc.stringMatching(/^[\t\x20-\x7e\x80-\xff]{0,12}$/);
  const op = fc.oneof(
    fc.tuple(fc.constant("set" as const), name, value),
    fc.tuple(fc.constant("append" as const), name, value),
    fc.tuple(fc.constant("delete" as const), name, value),
  );
  fc.assert(
    fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), value), fc.array(op, { maxLength: 12 }), (start, ops) => {
      const expected = new Headers(Object.entries(start));
      const actual = new HeaderFields(Object.assign(Object.create(null), Object.fromEntries([...expected])));
      for (const [kind, n, v] of ops) {
        if (kind === "delete") {
          expected.delete(n);
          actual.delete(n);
        } else {
          expected[kind](n, v);
          actual[kind](n, v);
        }
      }
      for (const probe of ["a", "b", "x-multi", "set-cookie", "content-type", "te", ...Object.keys(start)]) {
        if (actual.get(probe) !== expected.get(probe) || actual.has(probe) !== expected.has(probe)) return false;
      }
      return JSON.stringify([...actual]) === JSON.stringify([...expected]) && JSON.stringify(actual.getSetCookie()) === JSON.stringify(expected.getSetCookie());
    }),
  );
  t.pass();
});
