// The hash chain without a database: the canonical serialisation is stable whatever the key
// order, pinned by a known vector (docs/audit.md shows how to recompute it), and every kind of
// tampering breaks a link.
import test from "ava";
import { createHash } from "node:crypto";
import { canonicalJson } from "../src/canonical-json.js";
import { checkLink, entryHash, GENESIS_HASH, type StoredLink } from "../src/hash-chain.js";

const first = {
  sequence: 1n,
  eventId: "0b0e5c1e-7f0a-4c55-9d55-1f2b3c4d5e6f",
  type: "orgs.member.added",
  source: "junction/orgs",
  subject: "org-1",
  actorId: "user-1",
  orgId: "org-1",
  eventTime: new Date("2026-06-01T12:00:00.123Z"),
  payload: { userId: "user-2", orgId: "org-1", role: "MEMBER_ROLE_MEMBER" },
  previousHash: GENESIS_HASH,
};

function link(content: Omit<StoredLink, "hash">): StoredLink {
  return { ...content, hash: entryHash(content) };
}

test("canonical JSON sorts keys at every depth and has no whitespace", (t) => {
  t.is(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "é\n" } }), '{"a":{"c":"é\\n","d":[3,{"y":null,"z":true}]},"b":1}');
  t.is(canonicalJson({ x: 1, y: 2 }), canonicalJson({ y: 2, x: 1 }));
  t.is(canonicalJson(1e21), "1e+21");
  t.throws(() => canonicalJson(Number.NaN));
});

test("an entry's hash is SHA-256 over the canonical JSON of its content (known vector)", (t) => {
  const expected = createHash("sha256")
    .update(
      '{"actorId":"user-1","eventId":"0b0e5c1e-7f0a-4c55-9d55-1f2b3c4d5e6f","eventTime":"2026-06-01T12:00:00.123Z","orgId":"org-1",' +
        '"payload":{"orgId":"org-1","role":"MEMBER_ROLE_MEMBER","userId":"user-2"},"previousHash":"","sequence":"1",' +
        '"source":"junction/orgs","subject":"org-1","type":"orgs.member.added"}',
    )
    .digest("hex");
  t.is(entryHash(first), expected);
  t.is(entryHash({ ...first, payload: { role: "MEMBER_ROLE_MEMBER", userId: "user-2", orgId: "org-1" } }), expected, "key order does not matter");
});

test("every field is covered by the hash", (t) => {
  const base = entryHash(first);
  const changes = {
    sequence: 2n,
    eventId: "other",
    type: "orgs.member.removed",
    source: "junction/auth",
    subject: "org-2",
    actorId: "user-9",
    orgId: "org-2",
    eventTime: new Date("2026-06-01T12:00:00.124Z"),
    payload: { ...first.payload, role: "MEMBER_ROLE_OWNER" },
    previousHash: "ab",
  };
  for (const [field, value] of Object.entries(changes)) t.not(entryHash({ ...first, [field]: value }), base, field);
});

test("checkLink finds altered content, a broken link and a missing entry", (t) => {
  const one = link(first);
  const two = link({ ...first, sequence: 2n, eventId: "e2", previousHash: one.hash });
  const genesis = { sequence: 0n, hash: GENESIS_HASH };
  t.is(checkLink(one, genesis), undefined);
  t.is(checkLink(two, one), undefined);

  t.deepEqual(checkLink({ ...two, actorId: "mallory" }, one), { sequence: 2n, reason: "the entry's content does not match its hash" });
  t.deepEqual(checkLink(two, { ...one, hash: "f".repeat(64) }), { sequence: 2n, reason: "previous_hash does not match the hash of the entry before it" });
  t.deepEqual(checkLink(two, genesis), { sequence: 1n, reason: "entry 1 is missing (the next entry is 2)" });
});
