// Bundles the two programs under test into var/conformance/build, so each starts in well under
// a second: the runner gives a server 10 s to answer, and under tsx a busy 2-core machine needs
// several just to load the platform. The bundles are the same code, built from these sources.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Where the bundles go; `server.js` and `client.js`, with source maps. */
export const buildDir = `${root}var/conformance/build`;

/** Builds both bundles. */
export async function bundlePrograms(): Promise<void> {
  await build({
    entryPoints: { server: `${root}conformance/server.ts`, client: `${root}conformance/client.ts` },
    outdir: buildDir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    // Some dependencies are CommonJS and call require(); an ES module bundle has to provide it.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
}
