// The audit chain checked as an operator checks it: an admin (registered through the edge, made
// admin with auth's admin CLI) signs in through the edge and calls VerifyAuditChain
// (POST /v1/audit:verify). Signing in again before each check keeps the check independent of
// sessions a Redis restart may have wiped.
import { randomBytes } from "node:crypto";
import { runAdminCommand } from "@junction/auth/admin-cli";
import { callEdge } from "./edge-calls.js";
import type { FaultDeployment } from "./fault-deployment.js";

/** An admin's credentials. */
export interface AuditAdmin {
  readonly email: string;
  readonly password: string;
}

/** VerifyAuditChain's answer, in proto3 JSON. */
export interface ChainVerdict {
  readonly valid: boolean;
  readonly entriesChecked: number;
  readonly reason: string;
}

/** Registers an account through the edge and grants it ROLE_ADMIN. */
export async function createAuditAdmin(deployment: FaultDeployment): Promise<AuditAdmin> {
  const admin = { email: `auditor-${randomBytes(4).toString("hex")}@example.com`, password: "correct-horse-9" };
  const res = await callEdge(deployment.edgeUrl, "POST", "/v1/auth/register", { body: { ...admin, display_name: "Fault Auditor" } });
  if (res.status !== 200) throw new Error(`registering the admin: ${res.status} ${JSON.stringify(res.body)}`);
  await runAdminCommand(["grant-admin", admin.email], { ...deployment.platform.env });
  return admin;
}

/** Signs `admin` in through the edge and verifies the whole audit chain. */
export async function verifyAuditChain(deployment: FaultDeployment, admin: AuditAdmin): Promise<ChainVerdict> {
  const token = await signInAdmin(deployment, admin);
  const verdict = await callEdge(deployment.edgeUrl, "POST", "/v1/audit:verify", { body: {}, token });
  if (verdict.status !== 200 || !verdict.body) throw new Error(`VerifyAuditChain: ${verdict.status} ${JSON.stringify(verdict.body)}`);
  return { valid: verdict.body.valid === true, entriesChecked: Number(verdict.body.entriesChecked ?? 0), reason: String(verdict.body.reason ?? "") };
}

/** Signs `admin` in through the edge; resolves with the access token. */
export async function signInAdmin(deployment: FaultDeployment, admin: AuditAdmin): Promise<string> {
  const login = await callEdge(deployment.edgeUrl, "POST", "/v1/auth/login", { body: admin });
  if (login.status !== 200 || !login.body) throw new Error(`signing the admin in: ${login.status} ${JSON.stringify(login.body)}`);
  return String(login.body.accessToken);
}
