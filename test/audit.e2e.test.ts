// Audit end to end: a scripted scenario through the real auth, users, orgs, notifications and
// audit services; then the log must hold every event of every stream exactly once, in stream
// order, with secrets redacted and an intact hash chain, answer admins' queries, refuse
// everyone else, ignore duplicate deliveries, and expose a row altered in the database.
import test from "ava";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { MemberRole, OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { errorReason, EventNamespace, eventsConfig } from "@junction/platform";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "nats";
import { headers } from "nats";
import { connectTestNats } from "./support/events.js";
import { eventually, type TestPlatform } from "./support/platform.js";
import { sharedPlatform } from "./support/shared-platform.js";
import { signUp, signUpAdmin, type SignedInUser } from "./support/signed-in-users.js";
import { consumerCaughtUp, storedEvents, type StoredEvent } from "./support/stream-events.js";
import { startAudit, startAuth, startNotifications, startOrgs, startUsers } from "./support/services.js";

const STREAMS = ["auth", "users", "orgs", "notifications"] as const;
let platform: TestPlatform;
let closePlatform: () => Promise<void>;
let nats: NatsConnection;
let mailDir: string;
let audit: Client<typeof AuditService>;
let admin: SignedInUser;
let alice: SignedInUser;
let bob: SignedInUser;
let orgId: string;
let published: StoredEvent[];

test.before(async () => {
  mailDir = await mkdtemp(join(tmpdir(), "junction-mail-"));
  ({ platform, close: closePlatform } = await sharedPlatform({ JUNCTION_MAIL_DIR: mailDir }));
  for (const [name, start] of [["auth", startAuth], ["users", startUsers], ["orgs", startOrgs], ["notifications", startNotifications], ["audit", startAudit]] as const) {
    await platform.start(name, start);
  }
  nats = await connectTestNats(platform.env);
  audit = platform.client(AuditService);

  // The scenario.
  admin = await signUpAdmin(platform, "Auditor");
  [alice, bob] = await Promise.all([signUp(platform, "Alice"), signUp(platform, "Bob")]);
  const orgs = platform.client(OrgsService);
  ({ orgId } = (await orgs.createOrganization({ name: "Audited" }, alice.auth)).organization!);
  await orgs.addMember({ orgId, userId: bob.userId, role: MemberRole.MEMBER }, alice.auth);
  await platform.client(UsersService).updateProfile(
    { userId: bob.userId, profile: { bio: "audited" }, updateMask: create(FieldMaskSchema, { paths: ["bio"] }) },
    bob.auth,
  );
  await platform.client(AuthService).requestPasswordReset({ email: bob.email });
  await orgs.removeMember({ orgId, userId: bob.userId }, alice.auth);

  // Quiet: every consumer has acknowledged everything, no outbox holds unsent rows, and the
  // streams did not grow since the previous look.
  const consumers: Array<[string, string]> = [
    ...STREAMS.map((stream) => [stream, "audit"] as [string, string]),
    ["auth", "users"],
    ["auth", "orgs"],
    ["auth", "notifications"],
    ["orgs", "notifications"],
  ];
  let previous = -1;
  published = await eventually(
    async () => {
      const events = await storedEvents(nats, platform.env, STREAMS);
      const grew = events.length !== previous;
      previous = events.length;
      if (grew || !events.some((e) => e.type === "orgs.member.removed")) return undefined;
      for (const [stream, consumer] of consumers) if (!(await consumerCaughtUp(nats, platform.env, stream, consumer))) return undefined;
      for (const service of ["auth", "users", "orgs", "notifications"] as const) {
        const [pending] = await platform.query<{ n: string }>(service, "SELECT count(*) AS n FROM junction_events.outbox WHERE sent_at IS NULL");
        if (pending!.n !== "0") return undefined;
      }
      return events;
    },
    "the scenario's events to settle",
    30_000,
    250,
  );
});

test.after.always(async () => {
  await nats?.close();
  await closePlatform?.();
  await rm(mailDir, { recursive: true, force: true });
});

async function allEntries(user = admin) {
  const entries = [];
  let pageToken = "";
  do {
    const page = await audit.queryAuditLog({ pageSize: 7, pageToken }, user.auth);
    entries.push(...page.entries);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return entries;
}

test.serial("the log holds every event of every stream exactly once, in stream order, with a gapless sequence", async (t) => {
  const entries = await allEntries();
  t.log(`${entries.length} entries from ${published.length} events`);
  t.deepEqual(entries.map((e) => e.sequence), entries.map((_, i) => BigInt(i + 1)));
  t.deepEqual(entries.map((e) => e.eventId).sort(), published.map((e) => e.id).sort(), "every event once");
  for (const stream of STREAMS) {
    const inLog = entries.filter((e) => e.source === `junction/${stream}`).map((e) => e.eventId);
    t.deepEqual(inLog, published.filter((e) => e.stream === stream).map((e) => e.id), `${stream} events in stream order`);
  }
  const types = new Set(entries.map((e) => e.type));
  for (const type of ["auth.user.created", "auth.session.created", "auth.user.role_changed", "users.profile.updated", "orgs.organization.created", "orgs.member.added", "orgs.member.removed", "notifications.notification.delivered"]) {
    t.true(types.has(type), type);
  }

  const added = entries.find((e) => e.type === "orgs.member.added")!;
  t.like(added, { actorId: alice.userId, orgId, subject: orgId, source: "junction/orgs" });
  t.like(added.payload, { orgId, userId: bob.userId, orgName: "Audited", role: "MEMBER_ROLE_MEMBER" });
  // Secrets never reach the log: the sensitive fields of the token events are redacted.
  for (const entry of entries.filter((e) => e.type === "auth.user.email_verification_requested")) t.is(entry.payload?.verificationToken, "[redacted]");
  const reset = entries.find((e) => e.type === "auth.user.password_reset_requested")!;
  t.is(reset.payload?.resetToken, "[redacted]");
  t.is(reset.payload?.email, bob.email);
  t.is(entries[0]!.previousHash, "");
  for (let i = 1; i < entries.length; i++) t.is(entries[i]!.previousHash, entries[i - 1]!.hash);
});

test.serial("VerifyAuditChain passes for the whole log and for a range", async (t) => {
  const whole = await audit.verifyAuditChain({}, admin.auth);
  t.like(whole, { valid: true, entriesChecked: BigInt(published.length), firstBrokenSequence: 0n, reason: "" });
  const range = await audit.verifyAuditChain({ startSequence: 3n, endSequence: 7n }, admin.auth);
  t.like(range, { valid: true, entriesChecked: 5n });
  // A range reaching past the last entry ends there: entries not yet written are not tampering.
  const last = BigInt(published.length);
  t.like(await audit.verifyAuditChain({ startSequence: last - 1n, endSequence: last + 100n }, admin.auth), { valid: true, entriesChecked: 2n });
  t.like(await audit.verifyAuditChain({ startSequence: last + 5n, endSequence: last + 100n }, admin.auth), { valid: true, entriesChecked: 0n });
});

test.serial("QueryAuditLog filters by actor, organization, type and time", async (t) => {
  const byType = await audit.queryAuditLog({ type: "orgs.member.added" }, admin.auth);
  t.deepEqual(byType.entries.map((e) => e.payload?.userId), [bob.userId]);
  const byOrg = await audit.queryAuditLog({ orgId }, admin.auth);
  t.deepEqual(byOrg.entries.map((e) => e.type), ["orgs.organization.created", "orgs.member.added", "orgs.member.removed"]);
  const byActor = await audit.queryAuditLog({ actorId: alice.userId, type: "orgs.member.removed" }, admin.auth);
  t.is(byActor.entries.length, 1);
  const future = await audit.queryAuditLog({ startTime: timestampFromDate(new Date(Date.now() + 60_000)) }, admin.auth);
  t.deepEqual(future.entries, []);
  const past = await audit.queryAuditLog({ endTime: timestampFromDate(new Date(Date.now() + 60_000)), pageSize: 500 }, admin.auth);
  t.is(past.entries.length, published.length);

  const invalid = await t.throwsAsync(audit.queryAuditLog({ type: "Not A Type", pageSize: 501 }, admin.auth));
  t.is(ConnectError.from(invalid).code, Code.InvalidArgument);
  const mixed = await audit.queryAuditLog({ pageSize: 2 }, admin.auth);
  const wrongQuery = await t.throwsAsync(audit.queryAuditLog({ pageToken: mixed.nextPageToken, orgId }, admin.auth));
  t.is(ConnectError.from(wrongQuery).code, Code.InvalidArgument);
});

test.serial("non-admins are refused both RPCs", async (t) => {
  for (const call of [() => audit.queryAuditLog({}, alice.auth), () => audit.verifyAuditChain({}, bob.auth)]) {
    const error = await t.throwsAsync(call());
    t.is(ConnectError.from(error).code, Code.PermissionDenied);
    t.is(errorReason(error), "ROLE_REQUIRED");
  }
  const anonymous = await t.throwsAsync(audit.queryAuditLog({}));
  t.is(ConnectError.from(anonymous).code, Code.Unauthenticated);
});

test.serial("a duplicate delivery of an event adds no entry", async (t) => {
  const namespace = new EventNamespace(eventsConfig(platform.env).prefix);
  const jsm = await nats.jetstreamManager();
  const original = published.find((e) => e.type === "orgs.member.added")!;
  const stored = await jsm.streams.getMessage(namespace.stream("orgs"), { seq: original.seq });
  const copy = headers();
  for (const name of stored.header.keys()) if (name.toLowerCase() !== "nats-msg-id") copy.set(name, stored.header.get(name));
  // A new Nats-Msg-Id gets past JetStream's de-duplication; the ce-id is the same event.
  await nats.jetstream().publish(stored.subject, stored.data, { headers: copy, msgID: crypto.randomUUID() });
  await eventually(async () => ((await consumerCaughtUp(nats, platform.env, "orgs", "audit")) ? true : undefined), "audit to take the copy");
  const entries = await allEntries();
  t.is(entries.length, published.length);
  t.is(entries.filter((e) => e.eventId === original.id).length, 1);
});

test.serial("an event type newer than audit's contracts is recorded with its payload withheld, and the chain holds", async (t) => {
  const namespace = new EventNamespace(eventsConfig(platform.env).prefix);
  const id = crypto.randomUUID();
  const envelope = headers();
  const attributes: Array<[string, string]> = [
    ["ce-specversion", "1.0"],
    ["ce-id", id],
    ["ce-type", "orgs.organization.renamed"],
    ["ce-source", "junction/orgs"],
    ["ce-time", new Date().toISOString()],
    ["ce-subject", orgId],
    ["ce-actorid", alice.userId],
    ["content-type", "application/json"],
  ];
  for (const [name, value] of attributes) envelope.set(name, value);
  await nats.jetstream().publish(namespace.subject("orgs.organization.renamed"), JSON.stringify({ orgId, name: "Renamed", secretToken: "s3cr3t" }), { headers: envelope, msgID: id });
  const entry = await eventually(async () => (await allEntries()).find((e) => e.eventId === id), "audit to record the unknown type");
  t.is(entry.type, "orgs.organization.renamed");
  t.is(entry.actorId, alice.userId);
  t.notRegex(JSON.stringify(entry.payload), /s3cr3t/, "nothing of an unredactable payload is kept");
  t.true((await audit.verifyAuditChain({}, admin.auth)).valid);
});

test.serial("the log refuses edits; a row altered behind its back fails verification at that row", async (t) => {
  const target = 4;
  const refused = await t.throwsAsync(platform.query("audit", "UPDATE audit_entries SET actor_id = 'mallory' WHERE sequence = $1", [target]));
  t.regex(String(refused), /append-only/);

  // Someone with the power to switch the guard off edits one payload.
  await platform.query("audit", "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_or_delete");
  await platform.query("audit", `UPDATE audit_entries SET payload = payload || '{"tampered": true}'::jsonb WHERE sequence = $1`, [target]);
  const report = await audit.verifyAuditChain({}, admin.auth);
  t.like(report, { valid: false, firstBrokenSequence: BigInt(target) });
  t.regex(report.reason, /content does not match its hash/);
  t.true((await audit.verifyAuditChain({ startSequence: BigInt(target + 1) }, admin.auth)).valid, "the rest of the chain still links");

  // Rewriting the entry's own hash only moves the break to the next link.
  const [row] = await platform.query<{ hash: string }>("audit", "SELECT hash FROM audit_entries WHERE sequence = $1", [target]);
  await platform.query("audit", "UPDATE audit_entries SET hash = $2 WHERE sequence = $1", [target, "0".repeat(64)]);
  t.not(row!.hash, "0".repeat(64));
  const moved = await audit.verifyAuditChain({ startSequence: BigInt(target + 1) }, admin.auth);
  t.like(moved, { valid: false, firstBrokenSequence: BigInt(target + 1) });
  t.regex(moved.reason, /previous_hash/);

  // A deleted entry is reported as missing.
  await platform.query("audit", "DELETE FROM audit_entries WHERE sequence = $1", [target + 2]);
  const gap = await audit.verifyAuditChain({ startSequence: BigInt(target + 1) }, admin.auth);
  t.like(gap, { valid: false, firstBrokenSequence: BigInt(target + 1) });
  const afterGap = await audit.verifyAuditChain({ startSequence: BigInt(target + 3) }, admin.auth);
  t.like(afterGap, { valid: false, firstBrokenSequence: BigInt(target + 2) });
  t.regex(afterGap.reason, /missing/);
});
