// The shell and TypeScript examples of README.md and docs/*.md, read from the Markdown so the
// docs cannot drift from behaviour: every ```sh block of a file becomes one bash script run
// against a live platform. Conventions a doc writer follows (docs/contributing.md):
//   - a command that runs until Ctrl-C ends with `# live`, one that waits for keys (a pager)
//     with `# interactive`: it runs for a few seconds;
//   - a curl answering other than 2xx says so: `# → 404`;
//   - commands that install, build, start or deploy (npm ci, npm start, npm run setup, npm run
//     generate, docker ...) are shown, not run: the test provides the platform; of the npm
//     scripts only `npm run events` and `npm run seed` run.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { repositoryRoot } from "../../packages/platform/test/support/tools.js";

/** One fenced block. */
export interface CodeBlock {
  readonly file: string;
  readonly line: number;
  readonly language: string;
  readonly code: string;
}

// Installing, starting, building or deploying is shown to the reader, never run by the test
// (it provides the platform); of the npm scripts only the events CLI and the seed run.
const SHOWN_NOT_RUN = /^(npm (ci|start|test|install)\b|npm run (?!events\b|seed\b)|docker\b|docker-compose\b|git |cd |export PATH|[A-Z_]+=\S+ npm )/;
const CLIENT_COMMAND = /^(?:[A-Z_]+=\$\()?(curl|grpcurl|nats) /;

/** README.md and every docs/*.md, repository-relative. */
export function documentationFiles(): string[] {
  const docs = readdirSync(`${repositoryRoot}docs`).filter((name) => name.endsWith(".md")).sort();
  return ["README.md", ...docs.map((name) => `docs/${name}`)];
}

/** The fenced code blocks of `file`. */
export function codeBlocks(file: string): CodeBlock[] {
  const text = readFileSync(`${repositoryRoot}${file}`, "utf8");
  const blocks: CodeBlock[] = [];
  const fence = /^```([\w-]*)[^\n]*\n([\s\S]*?)^```\s*$/gm;
  for (const match of text.matchAll(fence)) {
    blocks.push({ file, line: text.slice(0, match.index).split("\n").length, language: match[1] ?? "", code: match[2]! });
  }
  return blocks;
}

/** Commands for curl, grpcurl or nats outside a ```sh block (inline code or other fences): they would escape the test. */
export function unexecutedClientCommands(file: string): string[] {
  const text = readFileSync(`${repositoryRoot}${file}`, "utf8");
  const outside = codeBlocks(file).filter((b) => b.language !== "sh");
  const found = outside.flatMap((b) => b.code.split("\n").filter((line) => CLIENT_COMMAND.test(line.trim())).map((line) => `${file}:${b.line}: ${line.trim()}`));
  const prose = text.replace(/^```[\s\S]*?^```\s*$/gm, "");
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) {
    if (CLIENT_COMMAND.test(span[1]!)) found.push(`${file}: inline \`${span[1]}\``);
  }
  return found;
}

/** Logical lines: backslash continuations joined. */
function logicalLines(code: string): string[] {
  return code.replace(/\\\n\s*/g, "").split("\n");
}

/** One shell line as the test runs it: local ports mapped, live commands bounded, curl statuses checked. */
export function scriptLine(line: string, ports: ReadonlyMap<number, number>): string {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return line;
  if (SHOWN_NOT_RUN.test(trimmed)) return `: shown, not run: ${JSON.stringify(trimmed)}`;
  let command = line.replace(/\b(localhost|127\.0\.0\.1):(\d+)/g, (whole, host: string, port: string) => {
    const mapped = ports.get(Number(port));
    return mapped === undefined ? whole : `${host}:${mapped}`;
  });
  const expected = /#\s*→\s*(\d{3})/.exec(command)?.[1];
  if (expected) command = `EXPECT_STATUS=${expected} ${command}`;
  if (/#\s*(live|interactive)\b/.test(command)) command = `timeout --foreground -s KILL 4 ${command.replace(/#.*$/, "")} || [ $? -eq 137 ]`;
  return command;
}

/** The bash script for every ```sh block of `file`, in order. */
export function shellScript(file: string, ports: ReadonlyMap<number, number>): string | undefined {
  const blocks = codeBlocks(file).filter((b) => b.language === "sh");
  if (blocks.length === 0) return undefined;
  const body = blocks.map((b) => [`# ${b.file}:${b.line}`, ...logicalLines(b.code).map((l) => scriptLine(l, ports))].join("\n")).join("\n");
  return `${PREAMBLE}\n${body}\n`;
}

// curl as the docs use it, checked: see doc-examples-preamble.sh.
const PREAMBLE = readFileSync(fileURLToPath(new URL("doc-examples-preamble.sh", import.meta.url)), "utf8");
