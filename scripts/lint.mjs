// Every static check, in the order a contributor should fix them; stops at the first failure.
import { execFileSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const steps = [
  ["buf lint", ["buf", "lint"]],
  ["buf format", ["buf", "format", "proto", "--diff", "--exit-code"]],
  ["typescript", ["tsc", "-p", "tsconfig.json", "--noEmit"]],
  ["eslint", ["eslint", "--max-warnings=0", "."]],
];
for (const [name, args] of steps) {
  process.stdout.write(`lint: ${name}\n`);
  try {
    execFileSync("npx", ["--no-install", ...args], { cwd: root, stdio: "inherit" });
  } catch {
    console.error(`lint: ${name} failed`);
    process.exit(1);
  }
}
