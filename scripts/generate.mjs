// Regenerates everything derived from sources: TypeScript from proto/ (buf + protoc-gen-es)
// and each service's Prisma client. Output is committed; CI checks it is current.
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

for (const service of readdirSync(join(root, "services"), { withFileTypes: true })) {
  const schema = join(root, "services", service.name, "prisma", "schema.prisma");
  if (!service.isDirectory() || !existsSync(schema)) continue;
  run("npx", ["--no-install", "prisma", "generate", "--schema", schema], {
    // Prisma's CLI wants a schema engine only to be present, not to run, for `generate`.
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
}
