// Peer: the same request/response in Moleculer, the framework a Node team would pick instead: a
// broker on NATS (the local server, JSON serializer) with an orgs service answering
// listUserOrganizations with the same data.
import { ServiceBroker } from "moleculer";
import { ORGANIZATIONS, announce } from "./fixtures.js";

const broker = new ServiceBroker({ namespace: process.env.BENCH_MOLECULER_NAMESPACE ?? "bench", nodeID: `orgs-${process.pid}`, transporter: { type: "NATS", options: { url: process.env.NATS_URL ?? "nats://127.0.0.1:4222" } }, logger: false });
broker.createService({ name: "orgs", actions: { listUserOrganizations: () => ORGANIZATIONS } });
await broker.start();
announce("port 0");
