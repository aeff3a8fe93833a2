// grpc.health.v1.Health: whether the whole server ("") and each of its services take calls,
// for load balancers, orchestrators, Envoy health checks and grpc-health-probe.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as WireStatus,
  HealthListResponseSchema,
} from "@junction/gen/health/v1/health_pb";

/** Whether a service takes calls. */
export type ServingStatus = "SERVING" | "NOT_SERVING";

/** The service name that stands for the whole server. */
export const WHOLE_SERVER = "";

/** Serving status per service name, read by the Check, Watch and List RPCs. */
export class HealthRegistry {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Set<() => void>();
  #shutDown = false;

  /** Starts with the whole server ("") and each of `services` SERVING. */
  constructor(services: Iterable<string> = []) {
    this.#statuses.set(WHOLE_SERVER, "SERVING");
    for (const service of services) this.#statuses.set(service, "SERVING");
  }

  /** Sets the status of `service` ("" = the whole server); ignored once shut down. */
  set(service: string, status: ServingStatus): void {
    if (this.#shutDown || this.#statuses.get(service) === status) return;
    this.#statuses.set(service, status);
    this.#notify();
  }

  /** The status of `service`, or undefined when the service is unknown. */
  status(service: string): ServingStatus | undefined {
    return this.#statuses.get(service);
  }

  /** Every known service with its status. */
  statuses(): ReadonlyMap<string, ServingStatus> {
    return new Map(this.#statuses);
  }

  /** Watch streams open right now (for metrics and tests). */
  get activeWatches(): number {
    return this.#watchers.size;
  }

  /** Marks every service NOT_SERVING for good and ends every Watch stream. */
  shutdown(): void {
    if (this.#shutDown) return;
    for (const service of this.#statuses.keys()) this.#statuses.set(service, "NOT_SERVING");
    this.#shutDown = true;
    this.#notify();
  }

  /**
   * The status of `service` now (undefined = unknown) and after every change, skipping
   * repeats and coalescing changes a slow reader missed; ends when `signal` aborts or the
   * registry shuts down.
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus | undefined> {
    let changed = false;
    let wake: (() => void) | undefined;
    const onChange = (): void => {
      changed = true;
      wake?.();
    };
    this.#watchers.add(onChange);
    signal.addEventListener("abort", onChange);
    try {
      let sent: ServingStatus | undefined | null = null; // null: nothing sent yet
      while (!signal.aborted) {
        changed = false;
        const current = this.#statuses.get(service);
        if (current !== sent) {
          sent = current;
          yield current;
          continue;
        }
        if (this.#shutDown) return;
        if (!changed) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.#watchers.delete(onChange);
      signal.removeEventListener("abort", onChange);
    }
  }

  #notify(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }
}

/** The grpc.health.v1.Health implementation over `registry`: `router.service(Health, healthService(registry))`. */
export function healthService(registry: HealthRegistry): ServiceImpl<typeof Health> {
  return {
    check({ service }) {
      const status = registry.status(service);
      if (status === undefined) throw new ConnectError(`unknown service "${service}"`, Code.NotFound);
      return create(HealthCheckResponseSchema, { status: WireStatus[status] });
    },
    async *watch({ service }, context) {
      for await (const status of registry.watch(service, context.signal)) {
        const wire = status === undefined ? WireStatus.SERVICE_UNKNOWN : WireStatus[status];
        yield create(HealthCheckResponseSchema, { status: wire });
      }
    },
    list() {
      const statuses = Object.fromEntries(
        [...registry.statuses()].map(([service, status]) => [service, { status: WireStatus[status] }]),
      );
      return create(HealthListResponseSchema, { statuses });
    },
  };
}

export { Health };
