// Junction's own topology and contracts for the tests: the repository's manifest, policy and
// descriptor set, loaded once (tools/src/junction.ts). Tests take service lists from here, as
// every tool does, never from a list of their own.
import { loadJunction } from "@junction/tools/junction";

/** The repository's manifest, policy and contracts. */
export const junction = loadJunction({});

/** Services outside clients reach through the edge. */
export const publicServices = junction.publicServices;
/** Services only other services may call. */
export const internalServices = junction.internalServices;
/** Every service of the contracts the manifest names. */
export const allServices = junction.allServices;
/** The names of the manifest's services, in manifest order. */
export const serviceNames = junction.manifest.services.map((s) => s.name);
/** A service name of the manifest. */
export type ServiceName = string;
