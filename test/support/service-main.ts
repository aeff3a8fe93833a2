// A Junction service as a process of its own, for fault tests that SIGKILL it: hosted as its
// main.ts hosts it (runService), with the test's consumer settings from
// JUNCTION_TEST_CONSUMER_SETTINGS (JSON), so every instance of a consumer, in-process or not,
// provisions the same durable (a killed consumer's lease expires in seconds, not 30).
//
//   node --import=tsx test/support/service-main.ts users
import { auditService } from "@junction/audit";
import { authService } from "@junction/auth";
import { notificationsService } from "@junction/notifications";
import { orgsService } from "@junction/orgs";
import { usersService } from "@junction/users";
import { runService, type ConsumerSettings } from "@junction/platform";

const declarations = { auth: authService, users: usersService, orgs: orgsService, notifications: notificationsService, audit: auditService };
const name = process.argv[2] as keyof typeof declarations;
const declaration = declarations[name];
if (!declaration) {
  console.error(`usage: service-main.ts <${Object.keys(declarations).join("|")}>`);
  process.exit(2);
}
const settings = process.env.JUNCTION_TEST_CONSUMER_SETTINGS;
const consumerSettings = settings ? (JSON.parse(settings) as Partial<ConsumerSettings>) : undefined;
// Each declaration is typed by its own context; runService takes any of them.
await runService(declaration as typeof auditService, { consumerSettings });
