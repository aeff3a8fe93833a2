// A consumer service in its own process, for the crash test: greets every new user. The pause
// inside the transaction makes a SIGKILL likely to land while an event is half handled.
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { createPrismaClient } from "../../../src/data/prisma.js";
import { EventConsumer } from "../../../src/events/event-consumer.js";
import { EventNamespace } from "../../../src/events/namespace.js";
import { connectNats } from "../../../src/events/nats.js";
import { createLogger } from "../../../src/logger.js";
import { PrismaClient } from "../../fixtures/events-prisma/generated/client.js";
import { quickRetries } from "./events.js";

const env = (name: string) => process.env[name] ?? (process.exit(2) as never);
const delayMs = Number(process.env.HANDLER_DELAY_MS ?? 10);
const prisma = createPrismaClient(PrismaClient, env("DATABASE_URL"));
const nats = await connectNats({ url: env("NATS_URL"), name: "greeter" });
const consumer = new EventConsumer({
  consumer: "greeter",
  stream: "auth",
  nats,
  prisma,
  namespace: new EventNamespace(env("EVENTS_PREFIX")),
  settings: quickRetries,
  logger: createLogger("greeter", "warn"),
}).on(UserCreatedSchema, async (user, { tx, id }) => {
  await tx.greeting.create({ data: { userId: user.userId, text: `Hello ${user.displayName}`, eventId: id } });
  await new Promise((resolve) => setTimeout(resolve, delayMs));
});
await consumer.start();
process.stdout.write("ready\n");

process.once("SIGTERM", async () => {
  await consumer.stop();
  await nats.close();
  await prisma.$disconnect();
  process.exit(0);
});
