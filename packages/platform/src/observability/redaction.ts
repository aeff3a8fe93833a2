// What never reaches a log line: the values of secret headers (a fixed list) and of every field
// the contracts mark `(junction.common.v1.sensitive)`, under its proto name and its JSON name,
// wherever it appears in a logged object. Services declare the messages they serve and consume
// (the host does it for them), so the list follows the contracts, not a hand-kept set.
import { getOption, hasOption, type DescMessage } from "@bufbuild/protobuf";
import { sensitive } from "@junction/gen/junction/common/v1/options_pb";

/** Headers that carry credentials. */
export const SECRET_HEADERS = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-junction-service-token", "x-junction-edge-key"] as const;

const CENSOR = "[redacted]";
const MAX_DEPTH = 8;
const secretKeys = new Set<string>(SECRET_HEADERS);
const declared = new WeakSet<DescMessage>();

/** Adds the sensitive fields of `messages` (and of the messages they contain) to what logs redact. */
export function declareSensitiveFields(messages: Iterable<DescMessage>): void {
  for (const message of messages) visit(message);
}

function visit(message: DescMessage): void {
  if (declared.has(message)) return;
  declared.add(message);
  for (const field of message.fields) {
    if (hasOption(field, sensitive) && getOption(field, sensitive)) {
      secretKeys.add(field.name.toLowerCase());
      secretKeys.add(field.jsonName.toLowerCase());
    }
    const nested = field.fieldKind === "message" ? field.message : field.fieldKind === "list" && field.listKind === "message" ? field.message : field.fieldKind === "map" && field.mapKind === "message" ? field.message : undefined;
    if (nested) visit(nested);
  }
}

/** Whether values under `key` are secret. */
export function isSecretKey(key: string): boolean {
  return secretKeys.has(key.toLowerCase());
}

/** A copy of `value` with every secret key's value replaced; errors and non-plain objects pass as they are. */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object" || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1)) as T;
  if (value instanceof Headers) return redactSecrets(Object.fromEntries(value.entries()), depth) as T;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = isSecretKey(key) ? CENSOR : redactSecrets(item, depth + 1);
  return out as T;
}
