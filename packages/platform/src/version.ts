// The version of the platform the process runs, read once from the runtime package's manifest
// (package.json), so /metrics and traces say which build answered.
import { readFileSync } from "node:fs";

/** The runtime package's version, e.g. "0.1.0". */
export const PLATFORM_VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
