// The contracts of a system, as the descriptor set buf builds from its protos: every service,
// method and message by name, with their options. Whatever works across all services (the
// edges, the Envoy render, the policy's checks, an audit log, tools) reads them from here and
// the manifest, never from a hand-kept list.
import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary, getOption, type DescMessage, type DescMethod, type DescService, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { allow_anonymous } from "@junction/gen/junction/common/v1/options_pb";
import type { Manifest } from "../manifest/manifest.js";
import { eventType, isEvent } from "./event-types.js";

/** Thrown when the descriptor set is missing, unreadable or lacks what the manifest names. */
export class ContractsError extends Error {
  override name = "ContractsError";
}

/** Every service and message of the system's descriptor set. */
export class Contracts {
  private constructor(
    readonly registry: FileRegistry,
    readonly source: string,
  ) {}

  /** Reads a FileDescriptorSet (buf build --as-file-descriptor-set). */
  static load(path: string): Contracts {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new ContractsError(`cannot read the descriptor set ${path}: ${(error as Error).message} (npm run render builds it)`);
    }
    return Contracts.fromBinary(bytes, path);
  }

  /** The contracts in `bytes`, a serialized FileDescriptorSet. */
  static fromBinary(bytes: Uint8Array, source = "descriptor set"): Contracts {
    return new Contracts(createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes)), source);
  }

  /** The service named `typeName`; throws ContractsError naming the set otherwise. */
  service(typeName: string): DescService {
    const service = this.registry.getService(typeName);
    if (!service) throw new ContractsError(`${this.source} has no service ${typeName}`);
    return service;
  }

  /** The manifest's public, internal and all services, resolved here (throws on a name the contracts lack). */
  servicesOf(manifest: Manifest): { publicServices: DescService[]; internalServices: DescService[]; allServices: DescService[] } {
    const publicServices = manifest.publicApis.map((name) => this.service(name));
    const internalServices = manifest.internalApis.map((name) => this.service(name));
    return { publicServices, internalServices, allServices: [...publicServices, ...internalServices] };
  }

  /** Every event message (the event_subject option), by event type. */
  eventSchemas(): ReadonlyMap<string, DescMessage> {
    const events = new Map<string, DescMessage>();
    for (const type of this.registry) if (type.kind === "message" && isEvent(type)) events.set(eventType(type), type);
    return events;
  }
}

/** True for public RPCs callable without an access token (the contract's allow_anonymous option). */
export function allowsAnonymous(method: DescMethod): boolean {
  return getOption(method, allow_anonymous);
}
