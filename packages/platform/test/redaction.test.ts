// Logs never carry secrets: the fixed secret headers and every field the contracts mark
// sensitive, in proto or JSON spelling, at any depth, in any case; other values untouched.
import test from "ava";
import { Writable } from "node:stream";
import { LoginRequestSchema, LoginResponseSchema, ResetPasswordRequestSchema } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { UserPasswordResetRequestedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { pino } from "pino";
import { createLogger } from "../src/logger.js";
import { declareSensitiveFields, isSecretKey, redactSecrets } from "../src/observability/redaction.js";

declareSensitiveFields([LoginRequestSchema, LoginResponseSchema, ResetPasswordRequestSchema, UserPasswordResetRequestedSchema]);

test("secret headers and the contracts' sensitive fields are redacted at any depth; the rest is kept", (t) => {
  const logged = redactSecrets({
    email: "ada@example.com",
    password: "correct-horse-9",
    headers: { Authorization: "Bearer x", "X-Junction-Service-Token": "t", cookie: "c", "user-agent": "curl" },
    body: { new_password: "n", newPassword: "n", accessToken: "a", refresh_token: "r", resetToken: "k", userId: "u1" },
    list: [{ token: "v" }],
  });
  t.deepEqual(logged, {
    email: "ada@example.com",
    password: "[redacted]",
    headers: { Authorization: "[redacted]", "X-Junction-Service-Token": "[redacted]", cookie: "[redacted]", "user-agent": "curl" },
    body: { new_password: "[redacted]", newPassword: "[redacted]", accessToken: "[redacted]", refresh_token: "[redacted]", resetToken: "[redacted]", userId: "u1" },
    list: [{ token: "[redacted]" }],
  });
  t.false(isSecretKey("email"));
});

test("a logger's lines carry no secret", (t) => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  const logger = pino({ formatters: { log: (object) => redactSecrets(object) } }, sink);
  logger.info({ request: { password: "correct-horse-9", refreshToken: "opaque-refresh" }, authorization: "Bearer eyJ" }, "login");
  t.is(lines.length, 1);
  t.false(/correct-horse-9|opaque-refresh|eyJ/.test(lines[0]!), lines[0]);
  t.true(typeof createLogger("x", "silent").info === "function");
});
