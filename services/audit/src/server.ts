// Starts the audit service: AuditService on one port, and the consumers that append every
// domain event to the hash-chained log.
import { fileURLToPath } from "node:url";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import type { ConsumerSettings } from "@junction/platform/events/index";
import { bind, type ServiceServer } from "@junction/platform/server/service-server";
import { ServiceRuntime, type ServiceStartOptions } from "@junction/platform/service-runtime";
import { startRecording } from "./events.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { auditServiceHandlers } from "./handlers/audit-service.js";

/** Audit's SQL migrations (Prisma layout). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** How to start audit; everything else comes from the environment. */
export interface AuditOptions extends ServiceStartOptions {
  /** Redelivery policy of audit's consumers; the platform's by default. */
  consumerSettings?: Partial<ConsumerSettings>;
}

/** A running audit service. */
export interface AuditServer extends ServiceServer {
  /** The audit database, for tests and tools. */
  readonly prisma: PrismaClient;
}

/** Starts audit and resolves once it listens; fails with a message naming an unreachable Postgres or NATS. */
export async function startAudit(options: AuditOptions = {}): Promise<AuditServer> {
  const runtime = ServiceRuntime.create({ name: "audit", env: options.env, logger: options.logger });
  try {
    const prisma = await runtime.database(PrismaClient, MIGRATIONS_DIR);
    await startRecording(runtime, prisma, options.consumerSettings);
    const server = await runtime.serve([bind(AuditService, auditServiceHandlers(prisma))]);
    return Object.assign(server, { prisma });
  } catch (error) {
    // Nothing half-open stays behind: pools and connections opened so far are closed.
    await runtime.abandon();
    throw error;
  }
}
