// Path templates match and capture exactly as google.api.http specifies.
import test from "ava";
import { compilePathTemplate, PathTemplateError } from "../../src/edge/path-template.js";

test("single-segment variables capture one decoded segment", (t) => {
  const template = compilePathTemplate("/v1/users/{user_id}/profile");
  t.deepEqual(Object.fromEntries(template.match("/v1/users/u%201/profile")!), { user_id: "u 1" });
  t.is(template.match("/v1/users/a/b/profile"), undefined);
  t.is(template.match("/v1/users//profile"), undefined);
});

test("variables with a segment pattern capture several segments", (t) => {
  const template = compilePathTemplate("/v1/{name=orgs/*/members/*}");
  t.deepEqual(Object.fromEntries(template.match("/v1/orgs/o1/members/u2")!), { name: "orgs/o1/members/u2" });
  t.is(template.match("/v1/orgs/o1/teams/u2"), undefined);
});

test("a verb suffix is matched after the last segment", (t) => {
  const template = compilePathTemplate("/v1/notifications/{notification_id}:read");
  t.deepEqual(Object.fromEntries(template.match("/v1/notifications/n1:read")!), { notification_id: "n1" });
  t.is(template.match("/v1/notifications/n1"), undefined);
  t.deepEqual(Object.fromEntries(compilePathTemplate("/v1/audit:verify").match("/v1/audit:verify")!), {});
});

test("** matches the rest of the path; nested field paths are allowed", (t) => {
  const template = compilePathTemplate("/v1/{file.path=files/**}");
  t.deepEqual(Object.fromEntries(template.match("/v1/files/a/b/c.txt")!), { "file.path": "files/a/b/c.txt" });
});

test("malformed templates are refused", (t) => {
  t.throws(() => compilePathTemplate("v1/x"), { instanceOf: PathTemplateError });
  t.throws(() => compilePathTemplate("/v1/{x"), { instanceOf: PathTemplateError });
  t.throws(() => compilePathTemplate("/v1/{1x}"), { instanceOf: PathTemplateError });
  t.throws(() => compilePathTemplate("/v1//x"), { instanceOf: PathTemplateError });
});
