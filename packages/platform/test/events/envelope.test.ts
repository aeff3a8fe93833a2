import { create, fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import test from "ava";
import { headers } from "nats";
import { UserCreatedSchema, UserEmailVerificationRequestedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { MemberAddedSchema } from "@junction/gen/junction/orgs/v1/events_pb";
import { ErrorInfoSchema } from "@junction/gen/google/rpc/error_details_pb";
import {
  decodeHeaderValue,
  encodeHeaderValue,
  envelopeHeaders,
  fromNatsHeaders,
  InvalidEnvelopeError,
  readEnvelope,
  toNatsHeaders,
  type EventEnvelope,
} from "../../src/events/envelope.js";
import { fileURLToPath } from "node:url";
import { Contracts } from "../../src/contracts/contracts.js";
import { dataSchemaOf, eventType, producerOf, redactSensitive } from "../../src/contracts/event-types.js";
import { EventNamespace } from "../../src/events/namespace.js";

const envelope: EventEnvelope = {
  id: "0b6a4d3e-64f1-4b4e-9b1c-3f0b5d2a9c11",
  type: "auth.user.created",
  source: "junction/auth",
  time: "2026-04-01T12:00:00.123Z",
  subject: "user-1",
  dataSchema: "proto:junction.auth.v1.UserCreated",
  dataContentType: "application/json",
  correlationId: "req-42",
  actorId: "user-1",
  orgId: "org-7",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: "vendor=x",
};

test("the envelope becomes CloudEvents binary-mode headers in a stable order", (t) => {
  t.deepEqual(envelopeHeaders(envelope), [
    ["ce-specversion", "1.0"],
    ["ce-id", envelope.id],
    ["ce-type", "auth.user.created"],
    ["ce-source", "junction/auth"],
    ["ce-time", "2026-04-01T12:00:00.123Z"],
    ["ce-subject", "user-1"],
    ["ce-dataschema", "proto:junction.auth.v1.UserCreated"],
    ["ce-correlationid", "req-42"],
    ["ce-actorid", "user-1"],
    ["ce-orgid", "org-7"],
    ["content-type", "application/json"],
    ["traceparent", envelope.traceparent!],
    ["tracestate", "vendor=x"],
  ]);
});

test("NATS headers round-trip the envelope and carry Nats-Msg-Id = ce-id", (t) => {
  const h = toNatsHeaders(envelope);
  t.is(h.get("Nats-Msg-Id"), envelope.id);
  t.deepEqual(fromNatsHeaders(h), envelope);
  t.is(toNatsHeaders(envelope, "replay-1").get("Nats-Msg-Id"), "replay-1");
});

test("optional attributes are left out, and reading accepts any header case", (t) => {
  const minimal: EventEnvelope = { id: "e1", type: "orgs.member.added", source: "junction/orgs" };
  const names = envelopeHeaders(minimal).map(([name]) => name);
  t.deepEqual(names, ["ce-specversion", "ce-id", "ce-type", "ce-source", "content-type"]);

  const h = headers();
  h.set("CE-SpecVersion", "1.0");
  h.set("Ce-Id", "e1");
  h.set("CE-TYPE", "orgs.member.added");
  h.set("ce-source", "junction/orgs");
  t.like(fromNatsHeaders(h), { id: "e1", type: "orgs.member.added", source: "junction/orgs" });
});

test("values outside printable ASCII are percent-encoded and decoded back", (t) => {
  const subject = 'Zoë "the admin" 100% sure';
  const encoded = encodeHeaderValue(subject);
  t.is(encoded, "Zo%C3%AB%20%22the%20admin%22%20100%25%20sure");
  t.is(decodeHeaderValue(encoded), subject);
  t.is(decodeHeaderValue("50%off"), "50%off", "malformed escapes are taken literally");
  t.is(fromNatsHeaders(toNatsHeaders({ ...envelope, subject: "line1\r\nline2" })).subject, "line1\r\nline2");
});

test("a message that is not a CloudEvent is refused with the reason", (t) => {
  t.throws(() => fromNatsHeaders(undefined), { instanceOf: InvalidEnvelopeError, message: /no headers/ });
  t.throws(() => readEnvelope(() => undefined), { instanceOf: InvalidEnvelopeError, message: /no ce-specversion/ });
  t.throws(() => readEnvelope((n) => ({ "ce-specversion": "0.3" })[n]), { message: /unsupported CloudEvents version 0.3/ });
  t.throws(() => readEnvelope((n) => ({ "ce-specversion": "1.0", "ce-id": "x" })[n]), { message: /without ce-type, ce-source/ });
});

test("event types, producers and data schemas come from the descriptor", (t) => {
  t.is(eventType(UserCreatedSchema), "auth.user.created");
  t.is(eventType(MemberAddedSchema), "orgs.member.added");
  t.is(producerOf("auth.user.created"), "auth");
  t.is(dataSchemaOf(UserCreatedSchema), "proto:junction.auth.v1.UserCreated");
  t.throws(() => eventType(ErrorInfoSchema), { message: /google.rpc.ErrorInfo is not an event/ });
  const events = Contracts.load(fileURLToPath(new URL("../../../../envoy/descriptors.binpb", import.meta.url))).eventSchemas();
  t.is(events.get("auth.user.created")?.typeName, UserCreatedSchema.typeName);
  t.true(events.size >= 12);
});

test("the body is proto3 JSON that decodes back to the message", (t) => {
  const message = create(UserCreatedSchema, {
    userId: "u1",
    email: "ada@example.com",
    displayName: "Ada",
    createTime: timestampFromDate(new Date("2026-04-01T12:00:00Z")),
  });
  const json = toJsonString(UserCreatedSchema, message);
  t.deepEqual(JSON.parse(json), { userId: "u1", email: "ada@example.com", displayName: "Ada", createTime: "2026-04-01T12:00:00Z" });
  t.deepEqual(fromJsonString(UserCreatedSchema, json), message);
});

test("sensitive fields are redacted for display", (t) => {
  const body = { userId: "u1", email: "ada@example.com", verificationToken: "s3cret" };
  t.deepEqual(redactSensitive(UserEmailVerificationRequestedSchema, body), { ...body, verificationToken: "[redacted]" });
});

test("namespaces isolate stream and subject names", (t) => {
  const root = EventNamespace.root;
  t.is(root.stream("auth"), "AUTH");
  t.is(root.streamSubjects("auth"), "auth.>");
  t.is(root.subject("auth.user.created"), "auth.user.created");
  t.is(root.deadLetterStream, "DEAD_LETTERS");
  t.is(root.deadLetterSubject("users", "auth.user.created"), "dlq.users.auth.user.created");

  const test1 = new EventNamespace("t123");
  t.is(test1.stream("auth"), "T123_AUTH");
  t.is(test1.streamSubjects("auth"), "t123.auth.>");
  t.is(test1.subject("auth.user.created"), "t123.auth.user.created");
  t.is(test1.typeOf("t123.auth.user.created"), "auth.user.created");
  t.is(test1.deadLetterStream, "T123_DEAD_LETTERS");
  t.is(test1.deadLetterSubjects, "t123.dlq.>");
  t.true(test1.ownsStream("T123_AUTH"));
  t.false(test1.ownsStream("AUTH"));
  t.throws(() => new EventNamespace("Bad.Prefix"), { message: /invalid event namespace prefix/ });
  t.throws(() => root.stream("auth.x"), { message: /invalid service or consumer name/ });
});
