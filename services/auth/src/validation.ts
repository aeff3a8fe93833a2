// Input rules for credentials and names. Every violation names the proto field it is about,
// and all of them are reported at once.
import { type FieldViolations, hasUnsafeCharacters, UNSAFE_CHARACTERS } from "@junction/platform";

/** The longest email address SMTP allows. */
export const MAX_EMAIL_LENGTH = 254;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;
export const MAX_DISPLAY_NAME_LENGTH = 80;

// Deliberately simple: one @, a non-empty local part without spaces, a dotted domain. Whether
// the address really exists is what the verification email is for.
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** The stored form of an email: trimmed and lowercase, so one person cannot register twice. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Records what is wrong with `email` under `field`. */
export function checkEmail(violations: FieldViolations, field: string, email: string): void {
  const normalised = normaliseEmail(email);
  if (normalised === "") violations.add(field, "is required");
  else if (normalised.length > MAX_EMAIL_LENGTH) violations.add(field, `must be at most ${MAX_EMAIL_LENGTH} characters`);
  else if (!EMAIL.test(normalised) || normalised.split("@")[0]!.length > 64) violations.add(field, "is not a valid email address");
}

/** Records what is wrong with a new password under `field`. */
export function checkNewPassword(violations: FieldViolations, field: string, password: string): void {
  const length = [...password].length;
  if (length === 0) violations.add(field, "is required");
  else if (length < MIN_PASSWORD_LENGTH) violations.add(field, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  else if (length > MAX_PASSWORD_LENGTH) violations.add(field, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
  else if (characterClasses(password) < 2) violations.add(field, "must mix at least two kinds of characters (letters, digits, symbols)");
}

/** Records what is wrong with a display name under `field`. */
export function checkDisplayName(violations: FieldViolations, field: string, name: string): void {
  const trimmed = name.trim();
  const length = [...trimmed].length;
  if (length === 0) violations.add(field, "is required");
  else if (length > MAX_DISPLAY_NAME_LENGTH) violations.add(field, `must be at most ${MAX_DISPLAY_NAME_LENGTH} characters`);
  else if (hasUnsafeCharacters(name)) violations.add(field, UNSAFE_CHARACTERS);
}

/** Records a missing value under `field`. */
export function checkRequired(violations: FieldViolations, field: string, value: string): void {
  if (value.trim() === "") violations.add(field, "is required");
}

// Lowercase, uppercase, digits, everything else: a password of one kind only (all digits, all
// lowercase) is the easiest to guess.
function characterClasses(password: string): number {
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u];
  return classes.filter((kind) => kind.test(password)).length;
}
