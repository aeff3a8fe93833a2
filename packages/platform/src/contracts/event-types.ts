// What an event is, read from its protobuf descriptor: the `event_subject` option names its
// NATS subject and CloudEvents type, so no publisher or consumer ever spells one by hand.
import { getOption, hasOption, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { event_subject, sensitive } from "@junction/gen/junction/common/v1/options_pb";

const TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$/;

/** The event type of an event message, e.g. "auth.user.created": its NATS subject and `ce-type`. */
export function eventType(schema: DescMessage): string {
  const type = hasOption(schema, event_subject) ? getOption(schema, event_subject) : "";
  if (!type) throw new Error(`${schema.typeName} is not an event: it has no (junction.common.v1.event_subject) option`);
  if (!TYPE_PATTERN.test(type)) throw new Error(`${schema.typeName} has an invalid event subject "${type}"; expected <service>.<aggregate>.<event>`);
  return type;
}

/** The service whose stream carries events of `type`: its first token ("auth" for "auth.user.created"). */
export function producerOf(type: string): string {
  return type.slice(0, type.indexOf("."));
}

/** The `ce-dataschema` of an event message, e.g. "proto:junction.auth.v1.UserCreated". */
export function dataSchemaOf(schema: DescMessage): string {
  return `proto:${schema.typeName}`;
}

/** Whether `schema` is an event message (it carries the event_subject option). */
export function isEvent(schema: DescMessage): boolean {
  return hasOption(schema, event_subject) && getOption(schema, event_subject) !== "";
}

/**
 * `json` (an event body in proto3 JSON) with every field marked `(junction.common.v1.sensitive)`
 * replaced by "[redacted]", so tools can show events without their secrets.
 */
export function redactSensitive(schema: DescMessage, json: unknown): unknown {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return json;
  const out: Record<string, unknown> = { ...(json as Record<string, unknown>) };
  for (const field of schema.fields) {
    for (const key of new Set([field.jsonName, field.name])) {
      if (!(key in out)) continue;
      out[key] = redactField(field, out[key]);
    }
  }
  return out;
}

function redactField(field: DescField, value: unknown): unknown {
  if (hasOption(field, sensitive) && getOption(field, sensitive)) return "[redacted]";
  const message = messageOf(field);
  if (!message) return value;
  if (field.fieldKind === "list" && Array.isArray(value)) return value.map((item) => redactSensitive(message, item));
  if (field.fieldKind === "map" && value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSensitive(message, v)]));
  }
  return redactSensitive(message, value);
}

function messageOf(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}
