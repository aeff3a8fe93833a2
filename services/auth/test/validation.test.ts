// Credential and name rules, field by field.
import test from "ava";
import { FieldViolations } from "@junction/platform";
import { checkDisplayName, checkEmail, checkNewPassword, normaliseEmail } from "../src/validation.js";

const problems = (check: (v: FieldViolations, field: string, value: string) => void, value: string) => {
  const violations = new FieldViolations();
  check(violations, "f", value);
  return violations.list.map((v) => v.description);
};

test("emails: normalised to trimmed lowercase; syntax and length checked", (t) => {
  t.is(normaliseEmail("  Ada@Example.COM "), "ada@example.com");
  for (const ok of ["ada@example.com", "a.b+tag@sub.example.co.uk", "x_y@ex-ample.io"]) t.deepEqual(problems(checkEmail, ok), [], ok);
  for (const bad of ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "ada@exa_mple.com", "ada@-example.com", `${"a".repeat(250)}@example.com`]) {
    t.is(problems(checkEmail, bad).length, 1, bad);
  }
});

test("passwords: 10 to 128 characters, at least two kinds", (t) => {
  for (const ok of ["correct-horse-9", "Abcdefghij", "ábcdéfghí1", "password 12"]) t.deepEqual(problems(checkNewPassword, ok), [], ok);
  t.deepEqual(problems(checkNewPassword, ""), ["is required"]);
  t.regex(problems(checkNewPassword, "abc-12")[0]!, /at least 10/);
  t.regex(problems(checkNewPassword, "a1".repeat(65))[0]!, /at most 128/);
  t.regex(problems(checkNewPassword, "abcdefghijkl")[0]!, /two kinds/);
  t.regex(problems(checkNewPassword, "😀😀😀😀😀😀😀😀😀😀")[0]!, /two kinds/);
});

test("display names: 1 to 80 characters after trimming, no control or text-direction characters", (t) => {
  t.deepEqual(problems(checkDisplayName, "Ada Lovelace"), []);
  t.deepEqual(problems(checkDisplayName, "   "), ["is required"]);
  t.regex(problems(checkDisplayName, "x".repeat(81))[0]!, /at most 80/);
  t.deepEqual(problems(checkDisplayName, "é".repeat(80)), [], "counted in characters, not bytes");
  t.regex(problems(checkDisplayName, "a\u0007b")[0]!, /control/);
  t.regex(problems(checkDisplayName, "Ada\u202Egnp.exe")[0]!, /text-direction/);
});
