// Regenerates everything derived from sources: TypeScript from proto/ (buf + protoc-gen-es)
// and the Prisma clients (each service's, and the packages' test fixtures). Output is
// committed; CI checks it is current.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });

// buf only adds files; remove the previous output so deleted protos leave nothing behind.
// gen/package.json is the workspace manifest, not output.
for (const entry of readdirSync(join(root, "gen"))) {
  if (entry !== "package.json") rmSync(join(root, "gen", entry), { recursive: true, force: true });
}
run("npx", ["--no-install", "buf", "generate"]);

// Each service's client, and the Prisma fixtures packages test against.
const schemas = [
  ...subdirectories("services").map((service) => join("services", service, "prisma", "schema.prisma")),
  ...subdirectories("packages").flatMap((pkg) =>
    subdirectories(join("packages", pkg, "test", "fixtures")).map((fixture) => join("packages", pkg, "test", "fixtures", fixture, "schema.prisma")),
  ),
].filter((schema) => existsSync(join(root, schema)));
for (const schema of schemas) {
  run("npx", ["--no-install", "prisma", "generate", "--schema", schema], {
    // Prisma's CLI wants a schema engine only to be present, not to run, for `generate`.
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
}

function subdirectories(dir) {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
