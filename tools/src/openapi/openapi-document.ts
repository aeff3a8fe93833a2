// The OpenAPI 3.1 document of Junction's REST API, rendered from the contracts: one operation per
// google.api.http binding of a public RPC, read by the RouteTable both edges route with, so its
// paths, verbs, bodies and query parameters are the ones the edges accept. Schemas follow the proto3
// JSON mapping (message-schemas.ts); errors are the google.rpc.Status JSON both edges answer
// (packages/platform/src/edge/http-errors.ts); the access token is the bearer token both check.
import type { DescField, DescMessage, DescService } from "@bufbuild/protobuf";
import { allowsAnonymous, MAX_REQUEST_BODY_BYTES, type RestRoute, RouteTable } from "@junction/platform";
import { commentOf, MessageSchemas, type Schema } from "./message-schemas.js";

/** What the document is rendered from. */
export interface OpenApiSource {
  /** The public services, from a descriptor set with source info (for the comments). */
  readonly publicServices: readonly DescService[];
  /** The API's version, e.g. package.json's. */
  readonly version: string;
}

const STATUS_REF = { $ref: "#/components/schemas/google.rpc.Status" };
const retryAfter = (why: string) => ({ description: `Seconds to wait before trying again: ${why}.`, required: true, schema: { type: "integer", minimum: 0 } });

// The errors either edge may answer for any operation, as google.rpc.Status JSON.
const ERROR_RESPONSES: Record<string, Schema> = {
  "400": { description: `Invalid input (INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE): a field that fails validation, JSON that does not parse, an unknown field or query parameter.` },
  "401": {
    description: "No access token where one is required, or a token that is invalid or expired (UNAUTHENTICATED).",
    headers: { "WWW-Authenticate": { description: "The bearer challenge.", schema: { type: "string" } } },
  },
  "403": { description: "The caller may not do this (PERMISSION_DENIED)." },
  "413": { description: `The body is over ${MAX_REQUEST_BODY_BYTES} bytes (INVALID_ARGUMENT, reason BODY_TOO_LARGE); refused before it is read further.` },
  "404": { description: "No such resource (NOT_FOUND)." },
  "409": { description: "The resource already exists or changed meanwhile (ALREADY_EXISTS, ABORTED)." },
  "429": {
    description: "A rate limit was exceeded (RESOURCE_EXHAUSTED): per client address or per signed-in user.",
    headers: {
      "Retry-After": retryAfter("until the limit's window refills"),
      "x-junction-rate-limit": { description: "The limit that was hit: client or user.", schema: { type: "string", enum: ["client", "user"] } },
    },
  },
  "503": {
    description: "A service or a dependency it needs is unavailable (UNAVAILABLE); safe to retry after the delay.",
    headers: { "Retry-After": retryAfter("the service expects to be back by then") },
  },
  "504": { description: "The operation did not finish within its deadline (DEADLINE_EXCEEDED)." },
};

function errorResponses(): Record<string, Schema> {
  return Object.fromEntries(
    Object.entries(ERROR_RESPONSES).map(([status, response]) => [status, { ...response, content: { "application/json": { schema: STATUS_REF } } }]),
  );
}

const STATUS_SCHEMA: Schema = {
  type: "object",
  description: "The error of a failed call: its gRPC code, a message for developers and typed details (google.rpc.ErrorInfo, BadRequest, RetryInfo...).",
  properties: {
    code: { type: "integer", minimum: 0, maximum: 16, description: "The gRPC status code, e.g. 3 for INVALID_ARGUMENT." },
    message: { type: "string", description: "What went wrong, in English, for developers." },
    details: {
      type: "array",
      items: { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"], description: "A google.rpc error detail; @type names it." },
    },
  },
  required: ["code", "message", "details"],
  additionalProperties: false,
};

/** The OpenAPI path of a google.api.http template: variables as {field.path}, their patterns dropped. */
export function openApiPath(template: string): string {
  return template.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_match, field: string, pattern?: string) => {
    if (pattern && pattern !== "=*") throw new Error(`${template}: a variable spanning segments cannot be an OpenAPI path parameter`);
    return `{${field}}`;
  });
}

/** The top-level field `name` of `message` (proto or JSON name). */
function topField(message: DescMessage, name: string): DescField {
  const field = message.fields.find((f) => f.name === name || f.jsonName === name);
  if (!field) throw new Error(`${message.typeName} has no field ${name}`);
  return field;
}

// Field types a URL can carry: scalars, enums, their lists, and well-known types whose JSON is a string.
const STRING_JSON = /^google\.protobuf\.(Timestamp|Duration|FieldMask|(Double|Float|Int64|UInt64|Int32|UInt32|Bool|String|Bytes)Value)$/;
function urlCarries(field: DescField): boolean {
  if (field.fieldKind === "scalar" || field.fieldKind === "enum") return true;
  if (field.fieldKind === "list") return field.listKind !== "message" || STRING_JSON.test(field.message.typeName);
  return field.fieldKind === "message" && STRING_JSON.test(field.message.typeName);
}

function operation(route: RestRoute, schemas: MessageSchemas, operationId: string): Schema {
  const { method } = route;
  const input = method.input;
  const pathFields = new Set(route.template.variables.map((variable) => variable.fieldPath));
  const parameters: Schema[] = [];
  for (const variable of route.template.variables) {
    const field = topField(input, variable.fieldPath.split(".")[0]!);
    parameters.push({ name: variable.fieldPath, in: "path", required: true, schema: { ...schemas.fieldSchema(field), pattern: "^[^/]+$" } });
  }
  let requestBody: Schema | undefined;
  const rest = input.fields.filter((field) => !pathFields.has(field.name));
  if (route.body === "*") {
    const body = pathFields.size === 0 ? schemas.messageRef(input) : schemas.objectSchema(input, rest, commentOf(input));
    requestBody = { required: true, content: { "application/json": { schema: body } } };
  } else {
    const bodyField = route.body === "" ? undefined : topField(input, route.body);
    if (bodyField) requestBody = { required: true, content: { "application/json": { schema: schemas.fieldSchema(bodyField) } } };
    for (const field of rest) {
      if (field === bodyField || !urlCarries(field)) continue;
      const schema = schemas.fieldSchema(field);
      const note = field.name === field.jsonName ? "" : ` Also accepted as ${field.jsonName}.`;
      parameters.push({ name: field.name, in: "query", required: false, ...(field.fieldKind === "list" ? { style: "form", explode: true } : {}), schema: { ...schema, description: `${(schema.description as string | undefined) ?? ""}${note}`.trim() || undefined } });
    }
  }
  // A signed-in caller may name a request with side effects (packages/platform/src/server/idempotency-keys.ts).
  const takesKey = method.idempotency === 0 && !allowsAnonymous(method);
  if (takesKey) {
    parameters.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: "Names this request: a repeat with the same key and body gets the first answer (Idempotent-Replayed: true) instead of a second effect; the same key with another body is 400 IDEMPOTENCY_KEY_REUSED.",
      schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,255}$" },
    });
  }
  const output = route.responseBody === "" ? schemas.messageRef(method.output) : schemas.fieldSchema(topField(method.output, route.responseBody));
  const comment = commentOf(method);
  return stripUndefined({
    operationId,
    tags: [method.parent.name],
    summary: comment?.split("\n")[0],
    description: comment?.includes("\n") ? comment : undefined,
    security: allowsAnonymous(method) ? [{}, { bearer: [] }] : [{ bearer: [] }],
    parameters: parameters.length > 0 ? parameters : undefined,
    requestBody,
    responses: {
      "200": {
        description: `The ${method.output.name}.`,
        headers: takesKey ? { "Idempotent-Replayed": { description: "true when this is the answer first given to a request with the same Idempotency-Key", schema: { type: "string", enum: ["true"] } } } : undefined,
        content: { "application/json": { schema: output } },
      },
      // 413 only where there is a body to be too large.
      ...Object.fromEntries(Object.keys(ERROR_RESPONSES).filter((status) => requestBody || status !== "413").map((status) => [status, { $ref: `#/components/responses/${status}` }])),
    },
    "x-grpc-method": `/${method.parent.typeName}/${method.name}`,
  });
}

function stripUndefined(value: unknown): Schema {
  return JSON.parse(JSON.stringify(value)) as Schema;
}

/** The document, as JSON text with a final newline: the same bytes for the same contracts. */
export function renderOpenApiDocument(source: OpenApiSource): string {
  const schemas = new MessageSchemas();
  const paths: Record<string, Record<string, Schema>> = {};
  const seen = new Map<string, number>();
  // In contract order (service, then method, then binding), not the routing order, so the document reads like the protos.
  const routes = new RouteTable(source.publicServices).routes;
  const ordered = source.publicServices.flatMap((service) => service.methods.flatMap((method) => routes.filter((route) => route.method === method)));
  for (const route of ordered) {
    const base = `${route.method.parent.typeName}.${route.method.name}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const path = openApiPath(route.template.source);
    (paths[path] ??= {})[route.httpMethod.toLowerCase()] = operation(route, schemas, count === 1 ? base : `${base}.${count}`);
  }
  const document = {
    openapi: "3.1.0",
    info: {
      title: "Junction REST API",
      version: source.version,
      description:
        "The REST side of Junction's public services, rendered from their protobuf contracts (proto/) and google.api.http rules by `npm run render`. " +
        "Both edges (Envoy and the TypeScript edge) serve it at GET /openapi.json and route exactly these operations. " +
        "JSON follows the proto3 JSON mapping: requests accept lowerCamelCase or proto field names; responses use lowerCamelCase and omit fields at their default value. " +
        "Errors are google.rpc.Status JSON. The same RPCs are also served over Connect, gRPC and gRPC-Web.",
    },
    tags: source.publicServices.map((service) => stripUndefined({ name: service.name, description: commentOf(service) })),
    paths,
    components: {
      schemas: { ...schemas.all(), "google.rpc.Status": STATUS_SCHEMA },
      responses: errorResponses(),
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The access token from POST /v1/auth/login or /v1/auth/refresh." },
      },
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
