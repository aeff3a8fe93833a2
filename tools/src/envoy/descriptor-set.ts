// The descriptor set grpc_json_transcoder reads: Junction's contracts with everything they import
// (google.api.http, well-known types) plus the google.rpc error details our errors carry, so
// convert_grpc_status can print them. Built by buf, without source info, so the bytes depend only
// on the contracts and the buf version in package-lock.json.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { createFileRegistry, equals, fromBinary, getOption, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { http } from "@junction/gen/google/api/annotations_pb";
import { HttpRuleSchema } from "@junction/gen/google/api/http_pb";
import { EnvoyRenderError } from "./render-error.js";

/** What buf builds the set from, relative to the repository root. */
export const DESCRIPTOR_SET_PATHS = [
  "proto/junction",
  "node_modules/google-proto-files/google/rpc/status.proto",
  "node_modules/google-proto-files/google/rpc/error_details.proto",
] as const;

/** Builds the descriptor set with the repository's buf; `root` is the repository root. `sourceInfo` keeps the comments (for the OpenAPI render). */
export function buildDescriptorSet(root: string, { sourceInfo = false } = {}): Uint8Array {
  const args = ["build", "--as-file-descriptor-set", ...(sourceInfo ? [] : ["--exclude-source-info"]), ...DESCRIPTOR_SET_PATHS.flatMap((path) => ["--path", path]), "-o", "-"];
  try {
    return new Uint8Array(execFileSync(join(root, "node_modules", ".bin", "buf"), args, { cwd: root, maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] }));
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "").trim();
    throw new EnvoyRenderError(`buf could not build the descriptor set: ${stderr || (error as Error).message}`);
  }
}

/**
 * Checks that `descriptorSet` serves every method of `services` with the same google.api.http
 * binding the generated code has, so Envoy transcodes exactly what the TypeScript edge does.
 */
export function assertDescriptorSetMatches(descriptorSet: Uint8Array, services: readonly DescService[]): void {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));
  const problems: string[] = [];
  for (const service of services) {
    const built = registry.getService(service.typeName);
    if (!built) {
      problems.push(`${service.typeName} is missing`);
      continue;
    }
    for (const method of service.methods) {
      const counterpart = built.methods.find((candidate) => candidate.name === method.name);
      if (!counterpart) problems.push(`${service.typeName}/${method.name} is missing`);
      else if (!equals(HttpRuleSchema, getOption(counterpart, http), getOption(method, http))) {
        problems.push(`${service.typeName}/${method.name} has a different google.api.http binding`);
      }
    }
  }
  if (problems.length > 0) {
    throw new EnvoyRenderError(`the descriptor set does not match the generated contracts (run \`npm run generate\`?):\n  ${problems.join("\n  ")}`);
  }
}
