// The version of the platform the process runs, from the runtime package's manifest
// (package.json), so /metrics and traces say which build answered. Imported rather than read
// from disk so that a bundled or compiled program carries it too.
import platformPackage from "../package.json" with { type: "json" };

/** The runtime package's version, e.g. "0.1.0". */
export const PLATFORM_VERSION: string = platformPackage.version;
