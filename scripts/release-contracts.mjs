// Records the current contracts as released: `npm run breaking` compares against this image.
// Run it on purpose, when a version of the contracts ships, and commit the result.
import { execFileSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
execFileSync("npx", ["--no-install", "buf", "build", "proto", "--exclude-source-info", "-o", "contracts/released.binpb"], {
  cwd: root,
  stdio: "inherit",
});
console.log("contracts/released.binpb updated: commit it to make this the breaking-change baseline");
