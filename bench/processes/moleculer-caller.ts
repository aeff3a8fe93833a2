// Peer caller: a Moleculer broker calling orgs.listUserOrganizations over NATS (the service runs
// in moleculer-service.ts), or with --local, a broker calling the same service it hosts itself.
import { ServiceBroker } from "moleculer";
import { closedLoop, loadShape, report } from "./closed-loop.js";
import { ORGANIZATIONS } from "./fixtures.js";

const shape = loadShape();
const local = shape.values.local !== undefined;
const broker = new ServiceBroker({
  namespace: process.env.BENCH_MOLECULER_NAMESPACE ?? "bench",
  nodeID: `caller-${process.pid}`,
  transporter: local ? undefined : { type: "NATS", options: { url: process.env.NATS_URL ?? "nats://127.0.0.1:4222" } },
  logger: false,
});
if (local) broker.createService({ name: "orgs", actions: { listUserOrganizations: () => ORGANIZATIONS } });
await broker.start();
await broker.waitForServices(["orgs"], 30_000);
report(await closedLoop(() => broker.call("orgs.listUserOrganizations", { userId: "u1" }), shape));
await broker.stop();
process.exit(0);
