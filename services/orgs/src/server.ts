// Starts the orgs service: OrgsService and InternalOrgsService on one port, its outbox relay,
// and its consumer of auth's events.
import { fileURLToPath } from "node:url";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { Outbox, type ConsumerSettings } from "@junction/platform/events/index";
import { bind, type ServiceServer } from "@junction/platform/server/service-server";
import { ServiceRuntime, type ServiceStartOptions } from "@junction/platform/service-runtime";
import type { OrgsContext } from "./context.js";
import { startEvents } from "./events.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { internalOrgsServiceHandlers } from "./handlers/internal-orgs-service.js";
import { orgsServiceHandlers } from "./handlers/orgs-service.js";
import { UserDirectory } from "./user-directory.js";

/** Orgs' SQL migrations (Prisma layout). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** How to start orgs; everything else comes from the environment. */
export interface OrgsOptions extends ServiceStartOptions {
  /** Redelivery policy of orgs' consumer; the platform's by default. */
  consumerSettings?: Partial<ConsumerSettings>;
}

/** A running orgs service. */
export interface OrgsServer extends ServiceServer {
  /** The domain behind it, for tests and tools. */
  readonly context: OrgsContext;
}

/** Starts orgs and resolves once it listens; fails with a message naming an unreachable Postgres or NATS. */
export async function startOrgs(options: OrgsOptions = {}): Promise<OrgsServer> {
  const runtime = ServiceRuntime.create({ name: "orgs", env: options.env, logger: options.logger });
  try {
    const prisma = await runtime.database(PrismaClient, MIGRATIONS_DIR);
    const ctx: OrgsContext = {
      prisma,
      outbox: new Outbox("orgs"),
      directory: new UserDirectory(runtime.client(InternalAuthService)),
      logger: runtime.logger,
    };
    await startEvents(runtime, ctx, options.consumerSettings);
    const server = await runtime.serve([bind(OrgsService, orgsServiceHandlers(ctx)), bind(InternalOrgsService, internalOrgsServiceHandlers(ctx))]);
    return Object.assign(server, { context: ctx });
  } catch (error) {
    // Nothing half-open stays behind: pools and connections opened so far are closed.
    await runtime.abandon();
    throw error;
  }
}
