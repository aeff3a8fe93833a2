// What every peer of a benchmark answers, so each does the same work: one public key as a JWKS
// (auth GetJwks) and one organization list (orgs ListUserOrganizations).
import { create } from "@bufbuild/protobuf";
import { GetJwksResponseSchema } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { ListUserOrganizationsResponseSchema } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";

/** An Ed25519 public key shaped as auth publishes its own. */
export const JWKS_KEYS = [{ kty: "OKP", kid: "0b2cf5e0-3f39-4e4b-9d1e-7a7f4e9a2c11", alg: "EdDSA", use: "sig", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" }];

/** The GetJwks answer as a message. */
export const jwksAnswer = () => create(GetJwksResponseSchema, { keys: JWKS_KEYS });

/** The ListUserOrganizations answer as plain data (what a Moleculer action returns, too). */
export const ORGANIZATIONS = { organizations: [{ organization: { orgId: "5b0e3e9c-8f47-4a36-9d1e-2f1c3c5a7b10", name: "Acme", createdBy: "u1" }, role: 1 }] };

/** The ListUserOrganizations answer as a message. */
export const organizationsAnswer = () => create(ListUserOrganizationsResponseSchema, ORGANIZATIONS);

/** Prints the line a benchmark waits for, and stops on SIGTERM/SIGINT (flushing a CPU profile if one is taken). */
export function announce(line: string): void {
  console.log(line);
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
}
