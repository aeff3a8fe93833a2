// Generates TypeScript for the conformance suite's protos into var/conformance/gen (git-ignored):
// the .proto files come from the Go module cache at the version pinned in scripts/toolchain.env,
// the same module `npm run setup` installs the runner from, so runner and messages always agree.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "var", "conformance", "gen");

/** The value of `name` in scripts/toolchain.env. */
function toolchain(name) {
  const text = readFileSync(join(root, "scripts", "toolchain.env"), "utf8");
  const value = new RegExp(`^${name}=(\\S+)$`, "m").exec(text)?.[1];
  if (!value) throw new Error(`scripts/toolchain.env has no ${name}`);
  return value;
}

const module = toolchain("CONFORMANCE_MODULE");
const version = toolchain("CONFORMANCE_VERSION");
const go = (...args) => execFileSync("go", args, { cwd: root, encoding: "utf8" }).trim();

let modcache;
try {
  modcache = go("env", "GOMODCACHE");
} catch {
  console.error("conformance: Go is missing; it is needed for the conformance protos (npm run setup installs the runner with it)");
  process.exit(1);
}
const protoDir = join(modcache, `${module}@${version}`, "proto");
if (!existsSync(protoDir)) {
  // setup's `go install` of the runner fills the module cache; this covers a cache cleaned since.
  console.log(`conformance: downloading ${module}@${version} into the Go module cache`);
  go("mod", "download", `${module}@${version}`);
}

// buf only adds files; start clean so a version bump leaves nothing stale behind.
rmSync(out, { recursive: true, force: true });
execFileSync("npx", ["--no-install", "buf", "generate", protoDir, "--template", "conformance/buf.gen.yaml"], { cwd: root, stdio: "inherit" });
console.log(`conformance: generated ${module}@${version} protos into var/conformance/gen`);
