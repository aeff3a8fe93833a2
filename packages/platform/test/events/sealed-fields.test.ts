// Sealed fields: sensitive event fields leave the publisher encrypted, bound to their field, and
// open only with a ring that holds their key; rings rotate; a publisher without keys cannot
// write them in clear; a consumer gets the value back, or a dead letter if it cannot open it.
import test from "ava";
import { randomBytes } from "node:crypto";
import { create, toJsonString } from "@bufbuild/protobuf";
import { UserEmailVerificationRequestedSchema, UserPasswordResetRequestedSchema, UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { ConfigError } from "../../src/config.js";
import { Outbox } from "../../src/events/outbox.js";
import { FieldSeal, hasSensitiveFields, UnsealableFieldError } from "../../src/events/sealed-fields.js";

const key = () => randomBytes(32).toString("base64");
const TOKEN = "one-time-token-0123456789";

test("a sensitive field is sealed (not in the JSON at all), other fields stay readable, and the ring opens it", (t) => {
  const seal = FieldSeal.fromRing(`k1:${key()}`);
  const event = create(UserEmailVerificationRequestedSchema, { userId: "u1", email: "ada@example.com", verificationToken: TOKEN });
  const sealed = seal.seal(UserEmailVerificationRequestedSchema, event);
  const json = toJsonString(UserEmailVerificationRequestedSchema, sealed);
  t.false(json.includes(TOKEN));
  t.regex(sealed.verificationToken, /^sealed\.v1\.k1\./);
  t.is(sealed.email, "ada@example.com");
  t.is(event.verificationToken, TOKEN, "the caller's message is not changed");
  t.is(seal.open(UserEmailVerificationRequestedSchema, sealed).verificationToken, TOKEN);
  t.not(seal.seal(UserEmailVerificationRequestedSchema, event).verificationToken, sealed.verificationToken, "a fresh IV every time");
  t.true(hasSensitiveFields(UserPasswordResetRequestedSchema));
  t.false(hasSensitiveFields(UserCreatedSchema));
});

test("a sealed value opens only in its own field, unaltered, with a ring that has its key", (t) => {
  const seal = FieldSeal.fromRing(`k1:${key()}`);
  const sealed = seal.seal(UserEmailVerificationRequestedSchema, create(UserEmailVerificationRequestedSchema, { verificationToken: TOKEN })).verificationToken;
  const moved = create(UserPasswordResetRequestedSchema, { resetToken: sealed });
  t.throws(() => seal.open(UserPasswordResetRequestedSchema, moved), { instanceOf: UnsealableFieldError, message: /altered or sealed for another field/ });
  const tampered = `${sealed.slice(0, -4)}AAAA`;
  t.throws(() => seal.open(UserEmailVerificationRequestedSchema, create(UserEmailVerificationRequestedSchema, { verificationToken: tampered })), { instanceOf: UnsealableFieldError });
  const stranger = FieldSeal.fromRing(`k9:${key()}`);
  t.throws(() => stranger.open(UserEmailVerificationRequestedSchema, create(UserEmailVerificationRequestedSchema, { verificationToken: sealed })), {
    message: /sealed with key "k1", which this service's ring does not hold/,
  });
});

test("rings rotate: the first key seals, every key opens", (t) => {
  const [oldKey, newKey] = [key(), key()];
  const before = FieldSeal.fromRing(`2026a:${oldKey}`).seal(UserPasswordResetRequestedSchema, create(UserPasswordResetRequestedSchema, { resetToken: TOKEN }));
  const rotated = FieldSeal.fromRing(`2026b:${newKey},2026a:${oldKey}`);
  t.is(rotated.open(UserPasswordResetRequestedSchema, before).resetToken, TOKEN);
  t.regex(rotated.seal(UserPasswordResetRequestedSchema, create(UserPasswordResetRequestedSchema, { resetToken: TOKEN })).resetToken, /^sealed\.v1\.2026b\./);
});

test("the ring comes from the environment; the public development key only in development mode", (t) => {
  t.throws(() => FieldSeal.fromEnv({}), { instanceOf: ConfigError, message: /JUNCTION_SEALED_FIELDS_KEYS: must be set/ });
  t.throws(() => FieldSeal.fromEnv({ JUNCTION_SEALED_FIELDS_KEYS: "k1:c2hvcnQ=" }), { instanceOf: ConfigError, message: /entry 1 must be <id>:<32 bytes in base64>/ });
  t.truthy(FieldSeal.fromEnv({ JUNCTION_DEV_MODE: "true" }));
});

test("an outbox without the ring refuses to write a sensitive event in clear", async (t) => {
  const tx = { $executeRaw: async () => 1, $queryRaw: async <T>() => [] as T };
  await t.throwsAsync(new Outbox("auth").add(tx, UserEmailVerificationRequestedSchema, { userId: "u1", verificationToken: TOKEN }, { subject: "u1" }), {
    message: /carries sensitive fields; the auth service needs the sealing key ring/,
  });
  const written: unknown[][] = [];
  const recording = { $executeRaw: async (_q: TemplateStringsArray, ...values: unknown[]) => (written.push(values), 1), $queryRaw: async <T>() => [] as T };
  await new Outbox("auth", FieldSeal.fromRing(`k1:${key()}`)).add(recording, UserEmailVerificationRequestedSchema, { userId: "u1", verificationToken: TOKEN }, { subject: "u1" });
  t.false(JSON.stringify(written).includes(TOKEN), "the outbox row holds the sealed value only");
});
