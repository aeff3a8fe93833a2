// The admin CLI bootstraps the first admin, through the same domain code as SetUserRoles (so
// auth.user.role_changed is announced; the running auth service's relay publishes it):
//
//   npm run -w @junction/auth admin -- grant-admin ada@example.com
//   npm run -w @junction/auth admin -- revoke-admin ada@example.com
import { fileURLToPath } from "node:url";
import { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { createLogger, migrateEventTables, ServiceHost } from "@junction/platform";
import { grantRoleByEmail, setUserRoles } from "./account-admin.js";
import { authDatabase, authDomain } from "./domain.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import { roleName, rolesFromNames } from "./roles.js";
import { normaliseEmail } from "./validation.js";

/** The actor recorded for changes made with this tool. */
export const ADMIN_CLI_ACTOR = "admin-cli";

const USAGE = "usage: admin grant-admin <email> | admin revoke-admin <email>";

/** Runs one admin command against auth's database; returns the line to print. */
export async function runAdminCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const [command, email] = args;
  if ((command !== "grant-admin" && command !== "revoke-admin") || !email) throw new Error(USAGE);
  const host = ServiceHost.create<PrismaClient>("auth", { env, logger: createLogger("auth-admin", env.LOG_LEVEL ?? "warn"), serving: false });
  try {
    await host.openDatabase(authDatabase);
    await host.openRedis();
    const ctx = authDomain(host);
    await migrateEventTables(host.databaseUrl, host.logger);
    let roles: Role[];
    if (command === "grant-admin") {
      roles = await grantRoleByEmail(ctx, email, Role.ADMIN, ADMIN_CLI_ACTOR);
    } else {
      const user = await ctx.prisma.user.findUnique({ where: { email: normaliseEmail(email) } });
      if (!user) throw new Error(`no account with the email ${email}`);
      roles = await setUserRoles(ctx, user.id, rolesFromNames(user.roles).filter((role) => role !== Role.ADMIN), ADMIN_CLI_ACTOR);
    }
    return `${email}: roles now ${roles.map((role) => roleName(role)).join(", ")}`;
  } finally {
    await host.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runAdminCommand(process.argv.slice(2)).then(
    (line) => {
      console.log(line);
      process.exit(0);
    },
    (error: unknown) => {
      console.error((error as Error).message);
      process.exit(1);
    },
  );
}
