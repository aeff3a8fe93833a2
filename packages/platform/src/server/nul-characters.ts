// A NUL character (U+0000) is valid in a protobuf string but in no Junction field, and PostgreSQL
// text cannot hold one: a query with it fails ("invalid byte sequence for encoding UTF8: 0x00"),
// which a handler would answer INTERNAL. So every request message is checked once, before any
// handler runs, and one with a NUL in any string (nested messages, lists, map keys and values
// included) is INVALID_ARGUMENT naming the fields; nothing is read or written for it.
import { ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { invalidArgument } from "../errors.js";

const hasNul = (value: unknown) => typeof value === "string" && value.includes("\u0000");

function fieldValue(message: Record<string, unknown>, field: DescField): unknown {
  if (!field.oneof) return message[field.localName];
  const chosen = message[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
  return chosen?.case === field.localName ? chosen.value : undefined;
}

/** The paths (proto field names) of every string in `message` that holds a NUL. */
export function pathsWithNul(desc: DescMessage, message: Message, prefix = ""): string[] {
  const found: string[] = [];
  for (const field of desc.fields) {
    const value = fieldValue(message as unknown as Record<string, unknown>, field);
    if (value === undefined || value === null) continue;
    const path = `${prefix}${field.name}`;
    switch (field.fieldKind) {
      case "scalar":
        if (field.scalar === ScalarType.STRING && hasNul(value)) found.push(path);
        break;
      case "message":
        found.push(...pathsWithNul(field.message, value as Message, `${path}.`));
        break;
      case "list":
        (value as unknown[]).forEach((item, i) => {
          if (field.listKind === "message") found.push(...pathsWithNul(field.message, item as Message, `${path}[${i}].`));
          else if (hasNul(item)) found.push(`${path}[${i}]`);
        });
        break;
      case "map":
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          if (hasNul(key)) found.push(`${path}[${JSON.stringify(key)}]`);
          else if (field.mapKind === "message") found.push(...pathsWithNul(field.message, item as Message, `${path}[${JSON.stringify(key)}].`));
          else if (hasNul(item)) found.push(`${path}[${JSON.stringify(key)}]`);
        }
        break;
      case "enum":
        break;
    }
  }
  return found;
}

/** Server interceptor: a request message with a NUL character in any string is INVALID_ARGUMENT. */
export function refuseNulCharacters(): Interceptor {
  // Not an async function: a clean message passes on without a promise of its own.
  return (next) => (req) => {
    if (!req.stream) {
      const paths = pathsWithNul(req.method.input, req.message);
      if (paths.length > 0) return Promise.reject(invalidArgument(paths.map((field) => ({ field, description: "must not contain a NUL character" }))));
    }
    return next(req);
  };
}
