// Every static check, in the order a contributor should fix them; stops at the first failure.
import { execFileSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const steps = [
  ["buf lint", ["npx", "--no-install", "buf", "lint"]],
  ["buf format", ["npx", "--no-install", "buf", "format", "proto", "--diff", "--exit-code"]],
  ["typescript", ["npx", "--no-install", "tsc", "-p", "tsconfig.json", "--noEmit"]],
  // The conformance programs typecheck against protos generated into var/ (never committed).
  ["conformance protos", ["node", "conformance/generate-protos.mjs"]],
  ["typescript (conformance)", ["npx", "--no-install", "tsc", "-p", "conformance/tsconfig.json", "--noEmit"]],
  ["eslint", ["npx", "--no-install", "eslint", "--max-warnings=0", "."]],
];
for (const [name, [command, ...args]] of steps) {
  process.stdout.write(`lint: ${name}\n`);
  try {
    execFileSync(command, args, { cwd: root, stdio: "inherit" });
  } catch {
    console.error(`lint: ${name} failed`);
    process.exit(1);
  }
}
