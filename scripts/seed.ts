// `npm run seed`: demo data for a running platform (`npm start` first) — an admin, a user and
// an organization, created through the public REST API like any client would; the admin role
// is granted with auth's admin tool. Safe to run again.
import { runAdminCommand } from "@junction/auth/admin-cli";

// The platform it seeds is a local one: development mode, as npm start runs it, unless told otherwise.
const env: NodeJS.ProcessEnv = { ...process.env, JUNCTION_DEV_MODE: process.env.JUNCTION_DEV_MODE ?? "true" };
const edge = env.JUNCTION_EDGE_URL ?? "http://127.0.0.1:8080";
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

const ORGANIZATION = "Analytical Engines Ltd";

/** The id of the demo organization if an earlier run made it (GetMe lists the caller's organizations). */
async function existingOrganization(token: string): Promise<string | undefined> {
  const me = await call("GET", "/v1/me", undefined, token);
  const organizations = (me.json.organizations ?? []) as Array<{ orgId: string; name: string }>;
  return organizations.find((org) => org.name === ORGANIZATION)?.orgId;
}

async function createOrganization(token: string): Promise<string> {
  const created = await call("POST", "/v1/orgs", { name: ORGANIZATION }, token);
  if (created.status !== 200) throw new Error(`create organization: ${created.status} ${JSON.stringify(created.json)}`);
  return (created.json.organization as { orgId: string }).orgId;
}

async function seed(): Promise<string> {
  await register(ADMIN);
  await register(USER);
  console.log(await runAdminCommand(["grant-admin", ADMIN.email], env));
  const admin = await login(ADMIN.email);
  const ada = await login(USER.email);
  const orgId = (await existingOrganization(ada.token)) ?? (await createOrganization(ada.token));
  const added = await call("POST", `/v1/orgs/${orgId}/members`, { user_id: admin.userId, role: "MEMBER_ROLE_ADMIN" }, ada.token);
  if (added.status !== 200 && added.status !== 409) throw new Error(`add member: ${added.status} ${JSON.stringify(added.json)}`);
  return orgId;
}

const orgId = await seed().catch((error: unknown) => {
  console.error(`npm run seed: ${(error as Error).message}`);
  process.exit(1);
});
console.log(`
Seeded:
  admin  ${ADMIN.email} / ${PASSWORD}   (ROLE_ADMIN)
  user   ${USER.email} / ${PASSWORD}
  org    ${orgId}  "${ORGANIZATION}" (owner: Ada; the admin is a member)

Try:
  TOKEN=$(curl -s ${edge}/v1/auth/login -d '{"email":"${USER.email}","password":"${PASSWORD}"}' | jq -r .accessToken)
  curl -s ${edge}/v1/me -H "Authorization: Bearer $TOKEN"
  curl -s ${edge}/v1/orgs/${orgId}/members -H "Authorization: Bearer $TOKEN"
  curl -s ${edge}/v1/notifications -H "Authorization: Bearer $TOKEN"
`);
process.exit(0);
