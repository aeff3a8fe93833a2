// JSON Schemas (OpenAPI 3.1 dialect) of protobuf messages and enums as their proto3 JSON mapping
// reads and writes them, which is what both edges speak: int64 as decimal strings, enums by name,
// Timestamps as RFC 3339, FieldMasks as comma-separated paths, wrappers as their bare value,
// Struct/Value as free JSON. Messages and enums become components referenced by full name;
// field comments from the protos become descriptions.
import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { getComments } from "@bufbuild/protoplugin";

/** A JSON Schema or OpenAPI object, as plain JSON. */
export type Schema = { [key: string]: unknown };

const INT64 = /^-?[0-9]+$/.source;
const UINT64 = /^[0-9]+$/.source;

function scalarSchema(scalar: ScalarType): Schema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", minimum: -2147483648, maximum: 2147483647 };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", minimum: 0, maximum: 4294967295 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", pattern: INT64, description: "A 64-bit integer as a decimal string." };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", pattern: UINT64, description: "An unsigned 64-bit integer as a decimal string." };
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return { anyOf: [{ type: "number" }, { type: "string", enum: ["NaN", "Infinity", "-Infinity"] }] };
  }
}

const WRAPPERS: Record<string, ScalarType> = {
  "google.protobuf.DoubleValue": ScalarType.DOUBLE,
  "google.protobuf.FloatValue": ScalarType.FLOAT,
  "google.protobuf.Int64Value": ScalarType.INT64,
  "google.protobuf.UInt64Value": ScalarType.UINT64,
  "google.protobuf.Int32Value": ScalarType.INT32,
  "google.protobuf.UInt32Value": ScalarType.UINT32,
  "google.protobuf.BoolValue": ScalarType.BOOL,
  "google.protobuf.StringValue": ScalarType.STRING,
  "google.protobuf.BytesValue": ScalarType.BYTES,
};

// The well-known types whose JSON form is not an object of their fields.
function wellKnownSchema(typeName: string): Schema | undefined {
  const wrapped = WRAPPERS[typeName];
  if (wrapped !== undefined) return scalarSchema(wrapped);
  switch (typeName) {
    case "google.protobuf.Timestamp":
      return { type: "string", format: "date-time", description: "An RFC 3339 timestamp in UTC, e.g. 2026-01-02T03:04:05Z." };
    case "google.protobuf.Duration":
      return { type: "string", pattern: /^-?[0-9]+(\.[0-9]{1,9})?s$/.source, description: "A duration in seconds with an s suffix, e.g. 1.5s." };
    case "google.protobuf.FieldMask":
      return { type: "string", description: "Comma-separated field paths, by proto or lowerCamelCase name, e.g. display_name,bio." };
    case "google.protobuf.Struct":
      return { type: "object" };
    case "google.protobuf.Value":
      return {};
    case "google.protobuf.ListValue":
      return { type: "array" };
    case "google.protobuf.Empty":
      return { type: "object", additionalProperties: false };
    case "google.protobuf.Any":
      return { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"] };
  }
  return undefined;
}

/** The leading comment of a descriptor, when the descriptor set kept source info. */
export function commentOf(desc: DescMessage | DescEnum | DescField | Parameters<typeof getComments>[0]): string | undefined {
  const text = getComments(desc).leading?.trim();
  return text ? text.replace(/\n /g, "\n") : undefined;
}

const ref = (typeName: string): Schema => ({ $ref: `#/components/schemas/${typeName}` });

/** Collects the component schemas of every message and enum it is asked about, and of those they use. */
export class MessageSchemas {
  private readonly components = new Map<string, Schema>();

  /** The schema of one value of `field`'s type (an element, for a list), as a reference where it is a component. */
  private elementSchema(field: DescField, kind: "scalar" | "enum" | "message", scalar?: ScalarType, desc?: DescEnum | DescMessage): Schema {
    if (kind === "scalar") return scalarSchema(scalar!);
    if (kind === "enum") return this.enumRef(desc as DescEnum);
    return this.messageRef(desc as DescMessage);
  }

  /** The schema of `field`'s JSON value, with its comment as description. */
  fieldSchema(field: DescField): Schema {
    let schema: Schema;
    switch (field.fieldKind) {
      case "scalar":
        schema = scalarSchema(field.scalar);
        break;
      case "enum":
        schema = this.enumRef(field.enum);
        break;
      case "message":
        schema = this.messageRef(field.message);
        break;
      case "list":
        schema = { type: "array", items: this.elementSchema(field, field.listKind, field.scalar, field.listKind === "enum" ? field.enum : field.listKind === "message" ? field.message : undefined) };
        break;
      case "map":
        schema = {
          type: "object",
          additionalProperties: this.elementSchema(field, field.mapKind, field.scalar, field.mapKind === "enum" ? field.enum : field.mapKind === "message" ? field.message : undefined),
        };
        break;
    }
    const description = commentOf(field);
    if (!description) return schema;
    // A $ref with siblings is allowed in 3.1; the scalar's own note goes after the field's.
    const own = typeof schema.description === "string" ? ` ${schema.description}` : "";
    return { ...schema, description: `${description}${own}` };
  }

  /** A reference to `message`'s schema (or the inline form of a well-known type). */
  messageRef(message: DescMessage): Schema {
    const wellKnown = wellKnownSchema(message.typeName);
    if (wellKnown) return wellKnown;
    if (!this.components.has(message.typeName)) {
      this.components.set(message.typeName, {}); // placeholder first: messages may refer to themselves
      this.components.set(message.typeName, this.objectSchema(message, message.fields, commentOf(message)));
    }
    return ref(message.typeName);
  }

  /** An object schema of `fields` of `message`: lowerCamelCase names, with proto names accepted too. */
  objectSchema(message: DescMessage, fields: readonly DescField[], description?: string): Schema {
    const properties: Schema = {};
    for (const field of fields) {
      properties[field.jsonName] = this.fieldSchema(field);
    }
    for (const field of fields) {
      // Requests may name a field by its proto name as well; responses always use lowerCamelCase.
      if (field.name !== field.jsonName) properties[field.name] = { ...this.fieldSchema(field), description: `The proto name of ${field.jsonName}, accepted in requests.` };
    }
    return { type: "object", ...(description ? { description } : {}), properties, additionalProperties: false, "x-proto-message": message.typeName };
  }

  private enumRef(desc: DescEnum): Schema {
    if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
    if (!this.components.has(desc.typeName)) {
      const values = desc.values.map((value) => `${value.name}: ${commentOf(value) ?? ""}`.trim());
      const comment = commentOf(desc);
      this.components.set(desc.typeName, {
        type: "string",
        enum: desc.values.map((value) => value.name),
        description: [comment, ...values.map((line) => `- ${line}`)].filter(Boolean).join("\n"),
      });
    }
    return ref(desc.typeName);
  }

  /** Every component collected so far, by name, sorted. */
  all(): Record<string, Schema> {
    return Object.fromEntries([...this.components].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
