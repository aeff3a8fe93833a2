// `npm run breaking` guards released contracts: applied to a temporary copy of the repo's
// contracts, a deleted, renumbered or renamed field must fail the check.
import test from "ava";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const baseline = join(root, "contracts", "released.binpb");
const buf = join(root, "node_modules", ".bin", "buf");
const registerProto = "proto/junction/auth/v1/auth_service.proto";

/** Runs `buf breaking` on a copy of the contracts after `edit` changed the Register request. */
async function breakingAfter(edit: (source: string) => string) {
  const dir = mkdtempSync(join(tmpdir(), "junction-breaking-"));
  try {
    cpSync(join(root, "proto"), join(dir, "proto"), { recursive: true });
    cpSync(join(root, "buf.yaml"), join(dir, "buf.yaml"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    const file = join(dir, registerProto);
    const before = readFileSync(file, "utf8");
    const after = edit(before);
    if (after === before) throw new Error("the edit changed nothing");
    writeFileSync(file, after);
    await promisify(execFile)(buf, ["breaking", "proto", "--against", baseline, "--exclude-imports"], { cwd: dir });
    return { ok: true, output: "" };
  } catch (error) {
    const { stdout = "", stderr = "", message } = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${stdout}${stderr}` || message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const registerRequest = /message RegisterRequest \{[\s\S]*?\n\}/;

test("an unchanged copy passes, and an added field is compatible", async (t) => {
  const result = await breakingAfter((source) =>
    source.replace(registerRequest, (m) => m.replace(/\n\}$/, "\n  // A new optional field.\n  string locale = 4;\n}")),
  );
  t.true(result.ok, result.output);
});

test("deleting a field of a released message fails", async (t) => {
  const result = await breakingAfter((source) =>
    source.replace(registerRequest, (m) => m.replace(/\s*\/\/[^\n]*\n\s*string display_name = 3;/, "")),
  );
  t.false(result.ok);
  t.regex(result.output, /FIELD_NO_DELETE|deleted/i);
});

test("renumbering a field of a released message fails", async (t) => {
  const result = await breakingAfter((source) =>
    source.replace(registerRequest, (m) => m.replace("string display_name = 3;", "string display_name = 7;")),
  );
  t.false(result.ok);
  t.regex(result.output, /display_name|3/);
});

test("renaming a field (its JSON name) fails, protecting JSON clients", async (t) => {
  const result = await breakingAfter((source) =>
    source.replace(registerRequest, (m) => m.replace("string display_name = 3;", "string name = 3;")),
  );
  t.false(result.ok);
  t.regex(result.output, /name/i);
});
