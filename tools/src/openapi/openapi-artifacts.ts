// The committed OpenAPI document (contracts/openapi.json, beside the released contracts: it is the
// REST contract outside clients code against) and how it is rendered from a fresh build of the
// contracts, with their comments.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Contracts, OPENAPI_DOCUMENT } from "@junction/platform";
import { buildDescriptorSet } from "../envoy/descriptor-set.js";
import { loadJunction } from "../junction.js";
import { renderOpenApiDocument } from "./openapi-document.js";

/** The document for the repository at `root`, from its protos (built by buf with source info) and manifest. */
export function renderOpenApiFile(root: string): string {
  const contracts = Contracts.fromBinary(buildDescriptorSet(root, { sourceInfo: true }), "the descriptor set buf built, with source info");
  const { publicServices } = loadJunction({}, contracts);
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  return renderOpenApiDocument({ publicServices, version });
}

export { OPENAPI_DOCUMENT };
