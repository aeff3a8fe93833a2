// The audit service as a library: start it in-process (tests, `npm start`).
export { startAudit, type AuditOptions, type AuditServer } from "./server.js";
export { entryHash, checkLink, GENESIS_HASH } from "./hash-chain.js";
export { canonicalJson } from "./canonical-json.js";
