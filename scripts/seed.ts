// `npm run seed`: demo data for a running platform (`npm start` first) — an admin, a user and
// an organization, created through the public REST API like any client would; the admin role
// is granted with auth's admin tool. Safe to run again.
import { runAdminCommand } from "@junction/auth/admin-cli";

const edge = process.env.JUNCTION_EDGE_URL ?? "http://127.0.0.1:8080";
const PASSWORD = "junction-demo-9";
const ADMIN = { email: "admin@junction.test", display_name: "Demo Admin" };
const USER = { email: "ada@junction.test", display_name: "Ada Lovelace" };

async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${edge}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((error: Error) => {
    throw new Error(`the edge at ${edge} is not answering (${error.message}); start the platform with npm start first`);
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function register(person: { email: string; display_name: string }): Promise<void> {
  const { status, json } = await call("POST", "/v1/auth/register", { ...person, password: PASSWORD });
  if (status !== 200 && status !== 409) throw new Error(`register ${person.email}: ${status} ${JSON.stringify(json)}`);
}

async function login(email: string): Promise<{ token: string; userId: string }> {
  const { status, json } = await call("POST", "/v1/auth/login", { email, password: PASSWORD });
  if (status !== 200) throw new Error(`login ${email}: ${status} ${JSON.stringify(json)}`);
  return { token: json.accessToken as string, userId: json.userId as string };
}

await register(ADMIN);
await register(USER);
console.log(await runAdminCommand(["grant-admin", ADMIN.email]));
const admin = await login(ADMIN.email);
const ada = await login(USER.email);
const created = await call("POST", "/v1/orgs", { name: "Analytical Engines Ltd" }, ada.token);
if (created.status !== 200) throw new Error(`create organization: ${created.status} ${JSON.stringify(created.json)}`);
const orgId = (created.json.organization as { orgId: string }).orgId;
const added = await call("POST", `/v1/orgs/${orgId}/members`, { user_id: admin.userId, role: "MEMBER_ROLE_ADMIN" }, ada.token);
if (added.status !== 200 && added.status !== 409) throw new Error(`add member: ${added.status} ${JSON.stringify(added.json)}`);

console.log(`
Seeded:
  admin  ${ADMIN.email} / ${PASSWORD}   (ROLE_ADMIN)
  user   ${USER.email} / ${PASSWORD}
  org    ${orgId}  "Analytical Engines Ltd" (owner: Ada; the admin is a member)

Try:
  TOKEN=$(curl -s ${edge}/v1/auth/login -d '{"email":"${USER.email}","password":"${PASSWORD}"}' | jq -r .accessToken)
  curl -s ${edge}/v1/me -H "Authorization: Bearer $TOKEN"
  curl -s ${edge}/v1/orgs/${orgId}/members -H "Authorization: Bearer $TOKEN"
  curl -s ${edge}/v1/notifications -H "Authorization: Bearer $TOKEN"
`);
process.exit(0);
