// `npm run build`: compiles the workspaces to JavaScript in dist/ (git-ignored), laid out like the
// repository, then bundles each process the manifest names (every service and the TypeScript
// edge) into one file in place of its compiled main.js, so production runs plain
// `node dist/services/<name>/src/main.js` and tsx stays a development tool. Besides tsc's output,
// dist/ gets each workspace's package.json with its exports pointing at the .js files,
// dist/node_modules/@junction/* links so `@junction/...` imports resolve inside dist/ (the
// benchmarks' own processes import the compiled workspaces), and links to the files the code reads
// next to itself (manifest, policy, migrations, var/). Third-party packages resolve from the
// repository's node_modules.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { createRequire } from "node:module";
import { build } from "esbuild";
import { parse } from "yaml";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist");
// How the generated clients (services/*/src/generated/prisma/internal/class.ts) load the query
// compiler: a module whose one export is the WebAssembly as 4.6 MB of base64 text.
const PRISMA_WASM_IMPORT = /await import\("(@prisma\/client\/runtime\/query_compiler_\w+\.\w+\.wasm-base64\.mjs)"\)/g;

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
// One ES module per process instead of about 440 ES modules and the CommonJS ones: Node's module
// loader (resolving, reading, compiling each file) was most of a service's start-up CPU
// (docs/performance.md, "Start and memory").
const topology = parse(readFileSync(join(root, "manifest.yaml"), "utf8"));
const mains = [...Object.values(topology.services).map((s) => s.main), topology.edge.main];
await Promise.all(mains.map((main) => bundle(main)));
console.log(`build: dist/ holds ${workspaces.length} workspaces and ${mains.length} bundles; run a service with: node dist/services/<name>/src/main.js`);

/**
 * Bundles `main` (a repository path to a .ts file) into dist/, where tsc put its main.js. Kept
 * out of the bundle and loaded from node_modules as before:
 * - @node-rs/argon2: a native addon, which picks its platform's .node file at run time;
 * - pg, pg-pool, ioredis: when tracing is on, OpenTelemetry's instrumentations patch the copies
 *   Node loaded (observability/dependency-spans.ts), which a copy inside the bundle would not be;
 * - Prisma's query compiler, WebAssembly as 4.6 MB of base64 text in a module of its own, which
 *   the generated clients load when they first need it: code in the bundle, data beside it
 *   (and read, not imported: prismaWasmImport).
 * The OpenTelemetry SDK stays out without saying so: tracing.ts requires it by name at run time,
 * only when a process records spans, and esbuild bundles only what is imported statically.
 * pino is inside: Junction's logger (packages/platform/src/logger.ts) uses no pino transports,
 * which would start worker threads from files found next to pino's own code.
 */
async function bundle(main) {
  const outfile = join(dist, main.replace(/\.ts$/, ".js"));
  const result = await build({
    entryPoints: [join(root, main)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Stack traces name the bundle's lines; `node --enable-source-maps` maps them to the sources
    // (the map names the .ts files in the repository rather than carrying their text).
    sourcemap: "linked",
    sourcesContent: false,
    // V8 keeps a module's source text for as long as the process runs (it compiles functions
    // lazily from it). Without whitespace and comments it is about half the size, and pure ASCII:
    // a comment with one non-ASCII character made the whole text two bytes per character, 6 MB
    // of every service's heap (docs/performance.md, "Start and memory"). Names stay as written,
    // so stack traces and error names read the same; licences go to main.js.LEGAL.txt beside it.
    minifyWhitespace: true,
    minifySyntax: true,
    charset: "ascii",
    legalComments: "linked",
    external: ["@node-rs/argon2", "pg", "pg-pool", "ioredis", "@prisma/client/runtime/*.wasm-base64.mjs"],
    // CommonJS packages inside an ES module still call require() (for Node's built-in modules
    // among others); the bundle gives them one.
    banner: { js: 'import { createRequire as __junctionCreateRequire } from "node:module";\nconst require = __junctionCreateRequire(import.meta.url);' },
    plugins: [sourceRewrites(outfile)],
    logLevel: "warning",
  });
  if (result.errors.length > 0) process.exit(1);
}

/**
 * Rewrites Junction's own files (not node_modules) as esbuild loads them:
 * - `import.meta.url` becomes the URL of the file's compiled copy in dist/ rather than the
 *   bundle's, so code that finds files relative to itself (migrations, the manifest, the mail
 *   directory, a CLI checking it is the program run) finds what it found before, from where
 *   tsc's output found it;
 * - Prisma's generated clients read the query compiler's base64 text from its module file
 *   (prismaWasmImport) instead of importing it.
 */
function sourceRewrites(outfile) {
  return {
    name: "junction-source-rewrites",
    setup(esbuild) {
      esbuild.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        let source = readFileSync(args.path, "utf8");
        const compiled = join(dist, relative(root, args.path)).replace(/\.ts$/, ".js");
        const fromBundle = `./${relative(dirname(outfile), compiled)}`;
        source = source.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`);
        source = source.replace(PRISMA_WASM_IMPORT, prismaWasmImport);
        return { contents: source, loader: "ts" };
      });
    },
  };
}

/**
 * The same text, read from that module's file: an imported ES module stays loaded for the life
 * of the process and kept its source and its export, about 9 MB of heap per service, after Prisma
 * had decoded it once. Read as a file, the text is garbage once decoded. Only for a module that
 * is exactly `const wasm = "<base64>"; export { wasm }`; any other stays imported as it was.
 */
function prismaWasmImport(statement, module) {
  const file = createRequire(join(root, "package.json")).resolve(module);
  if (!/^const wasm = "[A-Za-z0-9+/=]+";\s*export \{ wasm \}\s*$/.test(readFileSync(file, "latin1"))) {
    console.warn(`build: ${module} is not one base64 string any more; the bundles import it`);
    return statement;
  }
  const text = `(await import("node:fs")).readFileSync(require.resolve(${JSON.stringify(module)}), "latin1")`;
  return `((text) => ({ wasm: text.slice(text.indexOf('"') + 1, text.lastIndexOf('"')) }))(${text})`;
}

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
