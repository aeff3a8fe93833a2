// Who publishes and who consumes which stream, as in ARCHITECTURE.md's service table. One
// stream per producing service; one durable consumer per (consuming service, stream).

/** Producing services (one stream each) and the streams each consuming service reads. */
export interface EventTopology {
  readonly producers: readonly string[];
  readonly consumers: ReadonlyArray<{ readonly service: string; readonly streams: readonly string[] }>;
}

/** Junction's services and their events. */
export const junctionTopology: EventTopology = {
  producers: ["auth", "users", "orgs", "notifications"],
  consumers: [
    { service: "users", streams: ["auth"] },
    { service: "orgs", streams: ["auth"] },
    { service: "notifications", streams: ["auth", "orgs"] },
    { service: "audit", streams: ["auth", "users", "orgs", "notifications"] },
  ],
};
