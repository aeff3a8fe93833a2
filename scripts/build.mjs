// `npm run build`: compiles the workspaces to JavaScript in dist/ (git-ignored), laid out like the
// repository, so production runs plain `node dist/services/<name>/src/main.js` and tsx stays a
// development tool. Besides tsc's output, dist/ gets each workspace's package.json with its
// exports pointing at the .js files, dist/node_modules/@junction/* links so `@junction/...`
// imports resolve inside dist/, and links to the files the code reads next to itself (manifest,
// policy, migrations, var/). Third-party packages resolve from the repository's node_modules.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist");

execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });

const workspaces = ["gen", ...subdirectories("packages").map((p) => `packages/${p}`), ...subdirectories("services").map((s) => `services/${s}`)];
for (const workspace of workspaces) {
  const manifest = JSON.parse(readFileSync(join(root, workspace, "package.json"), "utf8"));
  manifest.exports = compiledExports(manifest.exports);
  if (manifest.scripts?.start) manifest.scripts = { start: "node src/main.js" };
  else delete manifest.scripts;
  mkdirSync(join(dist, workspace), { recursive: true });
  writeFileSync(join(dist, workspace, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  link(join(dist, "node_modules", manifest.name), join(dist, workspace));
}

// Files the compiled code finds relative to itself, shared with the sources rather than copied.
const assets = [
  "manifest.yaml",
  "policy.yaml",
  "envoy", // the contracts' descriptor set the manifest names
  "contracts", // the OpenAPI document the edge serves
  "var",
  "packages/platform/migrations",
  ...subdirectories("services")
    .map((s) => `services/${s}/prisma`)
    .filter((p) => existsSync(join(root, p))),
];
mkdirSync(join(root, "var"), { recursive: true });
for (const asset of assets) link(join(dist, asset), join(root, asset));
console.log(`build: dist/ holds ${workspaces.length} workspaces; run a service with: node dist/services/<name>/src/main.js`);

/** `exports` of a workspace with every .ts target replaced by its compiled .js. */
function compiledExports(exports) {
  if (typeof exports === "string") return exports.replace(/\.ts$/, ".js");
  return Object.fromEntries(Object.entries(exports).map(([key, target]) => [key, compiledExports(target)]));
}

/** A relative symbolic link at `path` to `target`, replacing what was there. */
function link(path, target) {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(relative(dirname(path), target), path);
}

function subdirectories(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}
