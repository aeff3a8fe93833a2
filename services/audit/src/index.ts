// The audit service as a library: its declaration, for `npm start`, tests and tools.
export { auditService } from "./service.js";
export { entryHash, checkLink, GENESIS_HASH } from "./hash-chain.js";
export { canonicalJson } from "./canonical-json.js";
