// Loads conformance/policy.yaml, the communication policy both programs under test run with.
import { fileURLToPath } from "node:url";
import { CommunicationPolicy } from "@junction/platform/policy";

/** The conformance policy, validated like policy.yaml. */
export function conformancePolicy(): CommunicationPolicy {
  return CommunicationPolicy.load(fileURLToPath(new URL("policy.yaml", import.meta.url)));
}
