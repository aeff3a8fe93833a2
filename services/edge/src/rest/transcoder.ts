// REST ⇄ protobuf: builds the request message of a matched route from its path variables,
// query parameters and JSON body (proto3 JSON: lowerCamelCase or proto names, int64 as
// strings, enums by name, well-known types), and renders the response (or its response_body
// field) as proto3 JSON. Bad input is INVALID_ARGUMENT naming the field, never a 500.
import { fromJson, toJson, type DescField, type DescMessage, type JsonObject, type JsonValue, type Message } from "@bufbuild/protobuf";
import { invalidArgument, type RouteMatch } from "@junction/platform";

/** The parts of an HTTP request that carry the message. */
export interface RestRequestParts {
  readonly query: URLSearchParams;
  /** The raw body; empty when there is none. */
  readonly body: string;
}

// Message types whose proto3 JSON form is a string, so a query parameter can carry them.
const STRING_JSON_MESSAGES = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
  "google.protobuf.StringValue",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue",
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
  "google.protobuf.BytesValue",
]);

function findField(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((f) => f.name === name || f.jsonName === name);
}

/** Converts one textual value (path or query) to its JSON form for `field`. */
function scalarJson(field: DescField, text: string, path: string): JsonValue {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "scalar" && (field.scalar === 8 /* BOOL */)) {
    if (text === "true" || text === "false") return text === "true";
    throw invalidArgument([{ field: path, description: `expected true or false, got ${JSON.stringify(text)}` }]);
  }
  if (kind === "message" && !STRING_JSON_MESSAGES.has(field.message!.typeName)) {
    throw invalidArgument([{ field: path, description: "a message field cannot be set from the URL" }]);
  }
  if (field.fieldKind === "map") throw invalidArgument([{ field: path, description: "a map field cannot be set from the URL" }]);
  if (kind === "message" && field.message!.typeName === "google.protobuf.FieldMask") return camelCaseMask(text);
  return text;
}

// A field mask in the URL may name fields by their proto names (update_mask=display_name), as
// Envoy's transcoder accepts; its JSON form wants lowerCamelCase.
function camelCaseMask(text: string): string {
  return text
    .split(",")
    .map((path) => path.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase()))
    .join(",");
}

/** Sets the dotted `fieldPath` of `json` (a JSON object of `message`) to the value(s) in `texts`. */
function assign(json: JsonObject, message: DescMessage, fieldPath: string, texts: string[]): void {
  const names = fieldPath.split(".");
  let target = json;
  let type = message;
  for (const [i, name] of names.entries()) {
    const field = findField(type, name);
    if (!field) throw invalidArgument([{ field: fieldPath, description: `no such field in ${type.typeName}` }]);
    const last = i === names.length - 1;
    if (last) {
      const values = texts.map((text) => scalarJson(field, text, fieldPath));
      if (field.fieldKind === "list") target[field.jsonName] = [...((target[field.jsonName] as JsonValue[]) ?? []), ...values];
      else if (values.length > 1) throw invalidArgument([{ field: fieldPath, description: "given more than once" }]);
      else target[field.jsonName] = values[0]!;
      return;
    }
    if (field.fieldKind !== "message") throw invalidArgument([{ field: fieldPath, description: `${name} is not a message` }]);
    const next = (target[field.jsonName] ??= {});
    if (typeof next !== "object" || next === null || Array.isArray(next)) {
      throw invalidArgument([{ field: fieldPath, description: `${name} is not an object` }]);
    }
    target = next as JsonObject;
    type = field.message;
  }
}

function parseBody(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw invalidArgument([], `request body is not valid JSON: ${(error as Error).message}`);
  }
}

const FIELD_IN_ERROR = /field [\w.]+\.(\w+) from JSON|key "([^"]+)" is unknown/;

/** The request message for a matched route. */
export function decodeRestRequest(match: RouteMatch, parts: RestRequestParts): Message {
  const { route, pathValues } = match;
  const schema = route.method.input;
  let json: JsonObject = {};
  if (route.body !== "" && parts.body.trim() !== "") {
    const body = parseBody(parts.body);
    if (route.body === "*") {
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw invalidArgument([], "request body must be a JSON object");
      }
      json = body as JsonObject;
    } else {
      const field = findField(schema, route.body)!;
      json[field.jsonName] = body;
    }
  }
  for (const [fieldPath, value] of pathValues) assign(json, schema, fieldPath, [value]);
  const bound = new Set([...pathValues.keys()]);
  for (const key of new Set(parts.query.keys())) {
    if (bound.has(key)) continue;
    if (route.body === "*") throw invalidArgument([{ field: key, description: "unexpected query parameter: this route takes its fields from the body" }]);
    assign(json, schema, key, parts.query.getAll(key));
  }
  try {
    return fromJson(schema, json);
  } catch (error) {
    const message = (error as Error).message;
    const m = FIELD_IN_ERROR.exec(message);
    const field = m?.[1] ?? m?.[2];
    throw invalidArgument(field ? [{ field, description: message }] : [], message);
  }
}

/** The proto3 JSON of a response, or of its response_body field. */
export function encodeRestResponse(match: RouteMatch, response: Message): JsonValue {
  const schema = match.route.method.output;
  const json = toJson(schema as DescMessage, response) as JsonObject;
  if (match.route.responseBody === "") return json;
  const field = findField(schema, match.route.responseBody)!;
  return json[field.jsonName] ?? null;
}
