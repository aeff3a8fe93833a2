// Rules for the editable profile fields. Violations name the request field
// (`profile.<field>` or `update_mask`), all reported at once.
import { FieldViolations, hasUnsafeCharacters, UNSAFE_CHARACTERS, UNSAFE_CHARACTERS_IN_TEXT } from "@junction/platform";

/** The fields UpdateProfile may change, by their proto names. */
export const EDITABLE_FIELDS = ["display_name", "bio", "avatar_url", "locale", "time_zone"] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

/** New values of editable fields, by proto name. */
export type ProfileChanges = Partial<Record<EditableField, string>>;

const MAX_DISPLAY_NAME = 80;
const MAX_BIO = 500;
const MAX_AVATAR_URL = 2048;
const MAX_LOCALE = 35;
// language[-script][-region](-variant)*, the shapes BCP 47 tags take in practice.
const LOCALE = /^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*$/;
const TIME_ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const TIME_ZONES = new Set(Intl.supportedValuesOf("timeZone"));

/** The profile values of a request, as the generated message has them. */
export interface ProfileInput {
  displayName: string;
  bio: string;
  avatarUrl: string;
  locale: string;
  timeZone: string;
}

/** Checks the mask and the masked values; returns the changes, normalised, or throws INVALID_ARGUMENT. */
export function validateProfileUpdate(paths: readonly string[] | undefined, profile: ProfileInput | undefined): ProfileChanges {
  const violations = new FieldViolations();
  if (paths === undefined || paths.length === 0) {
    violations.add("update_mask", `is required: name the fields to change (${EDITABLE_FIELDS.join(", ")})`);
  } else {
    const unknown = paths.filter((path) => !(EDITABLE_FIELDS as readonly string[]).includes(path));
    if (unknown.length > 0) violations.add("update_mask", `cannot change ${unknown.join(", ")}; only ${EDITABLE_FIELDS.join(", ")}`);
  }
  if (profile === undefined && paths?.length) violations.add("profile", "is required with the new values");
  violations.throwIfAny();

  const changes: ProfileChanges = {};
  for (const path of new Set(paths) as Set<EditableField>) {
    const value = valueOf(profile!, path);
    const normalised = checkField(violations, path, value);
    if (normalised !== undefined) changes[path] = normalised;
  }
  violations.throwIfAny();
  return changes;
}

function valueOf(profile: ProfileInput, field: EditableField): string {
  const byField: Record<EditableField, string> = {
    display_name: profile.displayName,
    bio: profile.bio,
    avatar_url: profile.avatarUrl,
    locale: profile.locale,
    time_zone: profile.timeZone,
  };
  return byField[field];
}

/** The stored form of `value`, or undefined after recording why it is bad. Empty clears optional fields. */
function checkField(violations: FieldViolations, field: EditableField, value: string): string | undefined {
  const name = `profile.${field}`;
  const bad = (description: string) => (violations.add(name, description), undefined);
  const length = [...value].length;
  switch (field) {
    case "display_name": {
      const trimmed = value.trim();
      if (trimmed === "") return bad("is required");
      if ([...trimmed].length > MAX_DISPLAY_NAME) return bad(`must be at most ${MAX_DISPLAY_NAME} characters`);
      if (hasUnsafeCharacters(value)) return bad(UNSAFE_CHARACTERS);
      return trimmed;
    }
    case "bio":
      if (length > MAX_BIO) return bad(`must be at most ${MAX_BIO} characters`);
      if (hasUnsafeCharacters(value, { lineBreaks: true })) return bad(UNSAFE_CHARACTERS_IN_TEXT);
      return value;
    case "avatar_url":
      if (value === "") return "";
      if (length > MAX_AVATAR_URL) return bad(`must be at most ${MAX_AVATAR_URL} characters`);
      if (!isHttpsUrl(value)) return bad("must be an https URL without credentials");
      return value;
    case "locale": {
      if (value === "") return "";
      const canonical = length <= MAX_LOCALE && LOCALE.test(value) ? canonicalLocale(value) : undefined;
      return canonical ?? bad('must be a BCP 47 language tag such as "en" or "pt-BR"');
    }
    case "time_zone":
      if (value === "") return "";
      if (!isTimeZone(value)) return bad('must be an IANA time zone such as "Europe/Lisbon"');
      return value;
  }
}

function isHttpsUrl(value: string): boolean {
  if (/\s/.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "";
}

function canonicalLocale(value: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(value)[0];
  } catch {
    return undefined;
  }
}

function isTimeZone(value: string): boolean {
  if (TIME_ZONES.has(value)) return true;
  // Links such as "UTC" or "Europe/Kiev" are valid IANA names outside the canonical list.
  if (value.length > 64 || !TIME_ZONE.test(value)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
