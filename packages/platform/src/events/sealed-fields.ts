// Sealed fields: the value of every event field marked `(junction.common.v1.sensitive)` is
// encrypted (AES-256-GCM) by the publishing service before the event is written to its outbox,
// so the outbox table, the stream, the dead letters, backups and `nats stream view` only ever
// hold `sealed.v1.<key id>.<iv>.<ciphertext>`. Consumers that hold the key ring get the value
// back when the event is decoded; everyone else sees the sealed text. The ring's first key
// seals; every key opens, so keys rotate by putting a new one first and dropping old ones once
// no stored event uses them (streams keep events 30 days, dead letters 30 more).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { clone, getOption, hasOption, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { sensitive } from "@junction/gen/junction/common/v1/options_pb";
import { ConfigError, DEVELOPMENT_MODE_ENV, developmentMode } from "../config.js";

/** The variable holding the key ring: `<id>:<32 bytes, base64>` entries, comma-separated, the sealing key first. */
export const SEALED_FIELDS_KEYS_ENV = "JUNCTION_SEALED_FIELDS_KEYS";

/** INSECURE: the key used in development mode when no ring is set; it is public (it is in this file). */
const DEVELOPMENT_KEY = "dev:anVuY3Rpb24tcHVibGljLWRldi1zZWFsaW5nLWtleSE=";

const PREFIX = "sealed.v1.";
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Thrown when a sealed value cannot be opened (unknown key, tampered text): no retry can fix it. */
export class UnsealableFieldError extends Error {
  override name = "UnsealableFieldError";
}

/** Seals and opens the sensitive fields of event messages with one key ring. */
export class FieldSeal {
  private constructor(private readonly keys: ReadonlyArray<{ id: string; key: Buffer }>) {}

  /** The ring from JUNCTION_SEALED_FIELDS_KEYS; in development mode a public key when unset; otherwise a ConfigError. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): FieldSeal {
    const text = env[SEALED_FIELDS_KEYS_ENV] || (developmentMode(env) ? DEVELOPMENT_KEY : "");
    if (!text) {
      throw new ConfigError([`${SEALED_FIELDS_KEYS_ENV}: must be set for a service that seals or opens sensitive event fields (or ${DEVELOPMENT_MODE_ENV}=true for the public development key)`]);
    }
    return FieldSeal.fromRing(text);
  }

  /** A seal over `ring` (`<id>:<base64 key>,...`); throws ConfigError naming a malformed entry. */
  static fromRing(ring: string): FieldSeal {
    const keys = ring.split(",").map((entry, i) => {
      const [id = "", encoded = ""] = entry.trim().split(":");
      const key = Buffer.from(encoded, "base64");
      if (!KEY_ID.test(id) || key.length !== 32) throw new ConfigError([`${SEALED_FIELDS_KEYS_ENV}: entry ${i + 1} must be <id>:<32 bytes in base64>`]);
      return { id, key };
    });
    return new FieldSeal(keys);
  }

  /** A copy of `message` with every sensitive string field sealed (nested messages too). */
  seal<T extends Message>(schema: DescMessage, message: T): T {
    return transform(schema, clone(schema, message) as T, (field, value) => (value === "" || value.startsWith(PREFIX) ? value : this.sealValue(field, value)));
  }

  /** A copy of `message` with every sealed field opened; throws UnsealableFieldError for a value this ring cannot open. */
  open<T extends Message>(schema: DescMessage, message: T): T {
    return transform(schema, clone(schema, message) as T, (field, value) => (value.startsWith(PREFIX) ? this.openValue(field, value) : value));
  }

  private sealValue(field: DescField, value: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(placeOf(field)));
    const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${id}.${iv.toString("base64url")}.${body.toString("base64url")}`;
  }

  private openValue(field: DescField, sealed: string): string {
    const [id, iv, body] = sealed.slice(PREFIX.length).split(".");
    const key = this.keys.find((k) => k.id === id)?.key;
    if (!key || !iv || !body) throw new UnsealableFieldError(`${placeOf(field)} is sealed with key "${id}", which this service's ring does not hold`);
    try {
      const bytes = Buffer.from(body, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(placeOf(field)));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8");
    } catch (error) {
      throw new UnsealableFieldError(`${placeOf(field)} cannot be opened: it was altered or sealed for another field`, { cause: error });
    }
  }
}

/** Whether `schema` (or a message inside it) has a sensitive field. */
export function hasSensitiveFields(schema: DescMessage, seen = new Set<DescMessage>()): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  return schema.fields.some((field) => isSensitive(field) || (field.fieldKind === "message" && hasSensitiveFields(field.message, seen)));
}

// The ciphertext is bound to its field: a value sealed for one field does not open in another.
function placeOf(field: DescField): string {
  return `${field.parent.typeName}.${field.name}`;
}

function isSensitive(field: DescField): boolean {
  return hasOption(field, sensitive) && getOption(field, sensitive);
}

/** Applies `change` to every sensitive string field of `message` (in place), recursing into message fields. */
function transform<T extends Message>(schema: DescMessage, message: T, change: (field: DescField, value: string) => string): T {
  const record = message as unknown as Record<string, unknown>;
  for (const field of schema.fields) {
    const value = record[field.localName];
    if (field.fieldKind === "scalar" && typeof value === "string" && isSensitive(field)) record[field.localName] = change(field, value);
    else if (field.fieldKind === "list" && field.listKind === "scalar" && Array.isArray(value) && isSensitive(field)) {
      record[field.localName] = value.map((item: unknown) => (typeof item === "string" ? change(field, item) : item));
    } else if (field.fieldKind === "message" && value) transform(field.message, value as Message, change);
  }
  return message;
}
