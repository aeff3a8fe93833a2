// The manifest: the one declaration of a system's topology (services, ports, public and internal
// APIs, databases, streams published and consumed, the edge's ports). The runtime reads it to
// host a service; tools read it to start, route and deploy them all. It knows no particular
// service: everything comes from the file.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { originProblems } from "../edge/cors.js";

const serviceName = z.string().regex(/^[a-z][a-z0-9]*$/, "expected a lowercase name of letters and digits");
const port = z.number().int().min(1).max(65535);
const typeName = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.[A-Z][A-Za-z0-9]*$/, "expected a full protobuf service name, e.g. acme.shop.v1.CartService");

const serviceSchema = z.strictObject({
  port,
  /** The module that runs the service (relative to the manifest). */
  main: z.string().min(1),
  public: z.array(typeName).default([]),
  internal: z.array(typeName).default([]),
  /** The service's own PostgreSQL database, if it has one. */
  database: z.string().regex(/^[a-z_][a-z0-9_]*$/, "expected a database name of lowercase letters, digits and _").optional(),
  /** Whether it publishes events, into its own stream (`<NAME>` on `<name>.>`). */
  publishes: z.boolean().default(false),
  /** The services whose streams it consumes (one durable consumer each). */
  consumes: z.array(serviceName).default([]),
  /** Whether it holds the key ring that seals and opens sensitive event fields. */
  sealedFields: z.boolean().default(false),
  /** Plain-HTTP pages it serves to outside clients (exact paths); both edges route them to it. */
  pages: z.array(z.string().regex(/^\/[a-z0-9][a-z0-9/_-]*$/, "expected an absolute path of lowercase letters, digits, -, _ and /")).default([]),
});

const manifestSchema = z.strictObject({
  /** The descriptor set buf builds from the protos (relative to the manifest). */
  contracts: z.string().min(1),
  edge: z.strictObject({ port, internalPort: port, adminPort: port, main: z.string().min(1), corsOrigins: z.array(z.string()).default([]) }),
  identity: z.strictObject({ issuer: serviceName, jwksPath: z.string().regex(/^\/[\w./-]*$/, "expected an absolute path") }),
  services: z.record(serviceName, serviceSchema),
});

/** One service as the manifest declares it. */
export interface ManifestService {
  readonly name: string;
  readonly port: number;
  /** Absolute path of the module that runs it. */
  readonly main: string;
  /** Full names of the protobuf services outside clients reach through the edge. */
  readonly publicApis: readonly string[];
  /** Full names of the protobuf services only other services may call. */
  readonly internalApis: readonly string[];
  readonly database?: string;
  readonly publishes: boolean;
  /** Producing services whose streams it reads. */
  readonly consumes: readonly string[];
  /** Plain-HTTP pages outside clients reach through the edge, by exact path. */
  readonly pages: readonly string[];
  /** Whether it holds the key ring of sealed event fields (only those that publish or read them). */
  readonly sealedFields: boolean;
}

/** The edge's ports, and the module of the TypeScript edge (run where Envoy is not). */
export interface ManifestEdge {
  readonly port: number;
  readonly internalPort: number;
  readonly adminPort: number;
  /** Absolute path of the TypeScript edge's module. */
  readonly main: string;
  /** Origins browsers may call the edge from in a deployment (JUNCTION_EDGE_CORS_ORIGINS replaces them). */
  readonly corsOrigins: readonly string[];
}

/** Who issues access tokens, and where their public keys are served. */
export interface ManifestIdentity {
  readonly issuer: string;
  readonly jwksPath: string;
}

/** Thrown when the manifest is unreadable or inconsistent; the message names the file and each problem. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

/** A loaded, validated manifest. */
export class Manifest {
  private constructor(
    readonly source: string,
    /** Absolute path of the descriptor set of every service's contract. */
    readonly contractsFile: string,
    readonly edge: ManifestEdge,
    readonly identity: ManifestIdentity,
    readonly services: readonly ManifestService[],
  ) {}

  /** Validates a parsed manifest document; `source` names it in errors and anchors relative paths. */
  static fromObject(document: unknown, source = "manifest.yaml"): Manifest {
    const parsed = manifestSchema.safeParse(document);
    if (!parsed.success) {
      throw new ManifestError(`${source} is invalid:\n  ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("\n  ")}`);
    }
    const base = dirname(resolve(source));
    const services = Object.entries(parsed.data.services).map(([name, s]) => ({
      name,
      port: s.port,
      main: resolve(base, s.main),
      publicApis: s.public,
      internalApis: s.internal,
      database: s.database,
      publishes: s.publishes,
      consumes: s.consumes,
      pages: s.pages,
      sealedFields: s.sealedFields,
    }));
    const problems = consistencyProblems(parsed.data.edge, services);
    if (!services.some((s) => s.name === parsed.data.identity.issuer)) problems.push(`identity.issuer: no service "${parsed.data.identity.issuer}"`);
    if (problems.length > 0) throw new ManifestError(`${source} is inconsistent:\n  ${problems.join("\n  ")}`);
    const edge = { ...parsed.data.edge, main: resolve(base, parsed.data.edge.main) };
    return new Manifest(source, resolve(base, parsed.data.contracts), edge, parsed.data.identity, services);
  }

  /** Reads and validates a YAML manifest. */
  static load(path: string): Manifest {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new ManifestError(`cannot read manifest ${path}: ${(error as Error).message}`);
    }
    let document: unknown;
    try {
      document = parseYaml(text);
    } catch (error) {
      throw new ManifestError(`${path} is not valid YAML: ${(error as Error).message}`);
    }
    return Manifest.fromObject(document, path);
  }

  /** The service named `name`; throws ManifestError naming the known ones otherwise. */
  service(name: string): ManifestService {
    const found = this.services.find((s) => s.name === name);
    if (!found) throw new ManifestError(`${this.source} declares no service "${name}" (it declares ${this.services.map((s) => s.name).join(", ")})`);
    return found;
  }

  /** The service that serves the protobuf service `typeName`, or undefined. */
  serviceServing(typeName: string): ManifestService | undefined {
    return this.services.find((s) => s.publicApis.includes(typeName) || s.internalApis.includes(typeName));
  }

  /** Full names of every public API, in manifest order. */
  get publicApis(): string[] {
    return this.services.flatMap((s) => s.publicApis);
  }

  /** Full names of every internal API, in manifest order. */
  get internalApis(): string[] {
    return this.services.flatMap((s) => s.internalApis);
  }

  /** Services that publish events (one stream each). */
  get producers(): string[] {
    return this.services.filter((s) => s.publishes).map((s) => s.name);
  }

  /** Who consumes which stream: one durable consumer per (consuming service, stream). */
  get consumers(): Array<{ service: string; streams: readonly string[] }> {
    return this.services.filter((s) => s.consumes.length > 0).map((s) => ({ service: s.name, streams: s.consumes }));
  }
}

function consistencyProblems(edge: Omit<ManifestEdge, "main">, services: ManifestService[]): string[] {
  const problems: string[] = originProblems(edge.corsOrigins, "edge.corsOrigins");
  const ports = new Map<number, string>([
    [edge.port, "edge.port"],
    [edge.internalPort, "edge.internalPort"],
    [edge.adminPort, "edge.adminPort"],
  ]);
  if (ports.size < 3) problems.push("edge: port, internalPort and adminPort must differ");
  const apis = new Map<string, string>();
  const databases = new Map<string, string>();
  const pages = new Map<string, string>();
  for (const s of services) {
    const taken = ports.get(s.port);
    if (taken) problems.push(`services.${s.name}.port: ${s.port} is already ${taken}`);
    ports.set(s.port, `services.${s.name}.port`);
    for (const api of [...s.publicApis, ...s.internalApis]) {
      const owner = apis.get(api);
      if (owner) problems.push(`services.${s.name}: ${api} is already served by ${owner}`);
      apis.set(api, s.name);
    }
    if (s.database) {
      const owner = databases.get(s.database);
      if (owner) problems.push(`services.${s.name}.database: ${s.database} already belongs to ${owner}`);
      databases.set(s.database, s.name);
    }
    for (const page of s.pages) {
      const owner = pages.get(page);
      if (owner) problems.push(`services.${s.name}.pages: ${page} is already served by ${owner}`);
      pages.set(page, s.name);
    }
    for (const stream of s.consumes) {
      const producer = services.find((p) => p.name === stream);
      if (!producer) problems.push(`services.${s.name}.consumes: no service "${stream}"`);
      else if (!producer.publishes) problems.push(`services.${s.name}.consumes: ${stream} publishes no events`);
    }
    if ((s.publishes || s.consumes.length > 0) && !s.database) {
      problems.push(`services.${s.name}: events need a database (outbox and inbox live there)`);
    }
  }
  return problems;
}
