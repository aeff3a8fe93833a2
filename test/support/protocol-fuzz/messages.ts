// fast-check arbitraries for any message of the contracts, built from its descriptor: every
// field, oneof, list and map, with values that look valid (ids and emails the deployment knows,
// enum values it declares) as often as values that do not (any string, any number, unknown enum
// numbers). Nesting stops at a fixed depth, so recursive types (Struct) stay finite.
import { create, ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import fc from "fast-check";

/** Strings the deployment knows (a real user id, an email): they let messages past the first check. */
export type KnownStrings = () => readonly string[];

const MAX_DEPTH = 3;
const MAX_ITEMS = 3;

const INT32 = fc.oneof(fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), fc.constantFrom(0, 1, -1, 10, 1000));
const UINT32 = fc.oneof(fc.integer({ min: 0, max: 4_294_967_295 }), fc.constantFrom(0, 1, 10, 1000));
const INT64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(0n, 1n, -1n));
const UINT64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n));
const DOUBLE = fc.oneof(fc.double(), fc.constantFrom(0, 1.5, Number.NaN, Number.POSITIVE_INFINITY));
const FLOAT = fc.oneof(fc.float(), fc.constantFrom(0, 1.5));

function scalar(type: ScalarType, longAsString: boolean, strings: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return strings;
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 64 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
      return DOUBLE;
    case ScalarType.FLOAT:
      return FLOAT;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return INT32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return UINT32;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return longAsString ? INT64.map(String) : INT64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return longAsString ? UINT64.map(String) : UINT64;
  }
}

/** Strings worth trying: known ones, shapes the services check (uuids, emails, masks), and anything at all. */
export function fuzzStrings(known: KnownStrings): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constant(null).map(() => known()).chain((values) => (values.length > 0 ? fc.constantFrom(...values) : fc.constant(""))), weight: 3 },
    { arbitrary: fc.uuid(), weight: 2 },
    { arbitrary: fc.emailAddress(), weight: 1 },
    { arbitrary: fc.constantFrom("", " ", "correct-horse-9", "display_name", "bio,time_zone", "Europe/Paris", "a".repeat(5000), "\u0000", "%zz", "../.."), weight: 2 },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
    { arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 1 },
  );
}

function fieldValue(field: DescField, strings: fc.Arbitrary<string>, depth: number): fc.Arbitrary<unknown> | undefined {
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar, field.longAsString, strings);
    case "enum":
      return fc.oneof(fc.constantFrom(...field.enum.values.map((v) => v.number)), INT32);
    case "message":
      return depth >= MAX_DEPTH ? undefined : messageInit(field.message, strings, depth + 1);
    case "list": {
      const item =
        field.listKind === "scalar" ? scalar(field.scalar, field.longAsString, strings) : field.listKind === "enum" ? fc.constantFrom(...field.enum.values.map((v) => v.number)) : depth >= MAX_DEPTH ? undefined : messageInit(field.message, strings, depth + 1);
      return item && fc.array(item, { maxLength: MAX_ITEMS });
    }
    case "map": {
      const value =
        field.mapKind === "scalar" ? scalar(field.scalar, false, strings) : field.mapKind === "enum" ? fc.constantFrom(...field.enum.values.map((v) => v.number)) : depth >= MAX_DEPTH ? undefined : messageInit(field.message, strings, depth + 1);
      const key = field.mapKey === ScalarType.STRING ? strings : field.mapKey === ScalarType.BOOL ? fc.boolean().map(String) : INT32.map(String);
      return value && fc.dictionary(key, value, { maxKeys: MAX_ITEMS });
    }
  }
}

/** The init object of a message of `desc` (the form `create` takes), any field possibly unset. */
function messageInit(desc: DescMessage, strings: fc.Arbitrary<string>, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const cases = member.fields.flatMap((f) => {
        const value = fieldValue(f, strings, depth);
        return value ? [value.map((v) => ({ case: f.localName, value: v }))] : [];
      });
      if (cases.length > 0) parts[member.localName] = fc.oneof(...cases);
      continue;
    }
    const value = fieldValue(member, strings, depth);
    if (value) parts[member.localName] = value;
  }
  return fc.record(parts, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** Messages of `desc` with any mix of fields set, to values valid-looking or not. */
export function arbitraryMessage(desc: DescMessage, known: KnownStrings): fc.Arbitrary<Message> {
  return messageInit(desc, fuzzStrings(known), 0).map((init) => create(desc, init as never));
}
