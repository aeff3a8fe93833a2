// The editable profile fields' rules, and how the values are normalised.
import test from "ava";
import { ConnectError } from "@connectrpc/connect";
import { fieldViolations } from "@junction/platform";
import { validateProfileUpdate, type ProfileInput } from "../src/profile-validation.js";

const empty: ProfileInput = { displayName: "", bio: "", avatarUrl: "", locale: "", timeZone: "" };
const fieldsOf = (paths: string[] | undefined, profile: Partial<ProfileInput> | undefined) => {
  try {
    validateProfileUpdate(paths, profile && { ...empty, ...profile });
    return [];
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    return fieldViolations(error).map((v) => v.field);
  }
};

test("only masked fields are read, normalised, and empty clears the optional ones", (t) => {
  t.deepEqual(validateProfileUpdate(["display_name", "locale"], { ...empty, displayName: "  Ada ", locale: "pt-br", bio: "ignored" }), {
    display_name: "Ada",
    locale: "pt-BR",
  });
  t.deepEqual(validateProfileUpdate(["bio", "avatar_url", "locale", "time_zone"], empty), { bio: "", avatar_url: "", locale: "", time_zone: "" });
  t.deepEqual(validateProfileUpdate(["time_zone"], { ...empty, timeZone: "UTC" }), { time_zone: "UTC" });
  t.deepEqual(validateProfileUpdate(["time_zone"], { ...empty, timeZone: "America/Argentina/Buenos_Aires" }), { time_zone: "America/Argentina/Buenos_Aires" });
  t.deepEqual(validateProfileUpdate(["locale"], { ...empty, locale: "zh-Hant-TW" }), { locale: "zh-Hant-TW" });
});

test("the mask is required and limited to the editable fields", (t) => {
  t.deepEqual(fieldsOf(undefined, {}), ["update_mask"]);
  t.deepEqual(fieldsOf(["user_id"], {}), ["update_mask"]);
  t.deepEqual(fieldsOf(["create_time", "bio"], {}), ["update_mask"]);
  t.deepEqual(fieldsOf(["bio"], undefined), ["profile"]);
});

test("each bad value is named as profile.<field>", (t) => {
  t.deepEqual(fieldsOf(["display_name"], { displayName: "" }), ["profile.display_name"]);
  t.deepEqual(fieldsOf(["bio"], { bio: "x".repeat(501) }), ["profile.bio"]);
  t.deepEqual(fieldsOf(["bio"], { bio: "line one\nline two\ttabbed" }), []);
  // Text-direction controls disguise what a reader sees ("Ada\u202Egnp.exe" shows as "Adaexe.png").
  t.deepEqual(fieldsOf(["display_name"], { displayName: "Ada\u202Egnp.exe" }), ["profile.display_name"]);
  t.deepEqual(fieldsOf(["bio"], { bio: "about\u2066me" }), ["profile.bio"]);
  t.deepEqual(fieldsOf(["avatar_url"], { avatarUrl: "https://" }), ["profile.avatar_url"]);
  t.deepEqual(fieldsOf(["locale"], { locale: "x-private" }), ["profile.locale"]);
  t.deepEqual(fieldsOf(["time_zone"], { timeZone: "Europe/Atlantis" }), ["profile.time_zone"]);
});
