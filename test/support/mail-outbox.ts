// Reading the local mail outbox in tests: the .eml files the notifications service wrote,
// with their headers and their decoded text (quoted-printable undone, so links are whole).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { eventually } from "./platform.js";

/** One email file. */
export interface OutboxMail {
  readonly file: string;
  /** Header values by lowercase name (unfolded). */
  readonly headers: Record<string, string>;
  /** The whole message with quoted-printable soft breaks and escapes decoded. */
  readonly decoded: string;
}

/** Every .eml file in `dir`, oldest name first. */
export async function readMailOutbox(dir: string): Promise<OutboxMail[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".eml")).sort();
  return Promise.all(files.map(async (file) => parseMail(file, await readFile(join(dir, file), "utf8"))));
}

/** Waits until `dir` holds an email matching `match`. */
export function waitForMail(dir: string, match: (mail: OutboxMail) => boolean, what: string, timeoutMs = 10_000): Promise<OutboxMail> {
  return eventually(async () => (await readMailOutbox(dir)).find(match), what, timeoutMs);
}

/** The first link in `mail` that starts with `prefix`. */
export function linkIn(mail: Pick<OutboxMail, "decoded">, prefix: string): URL {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const found = new RegExp(`${escaped}[^\\s"<>]*`).exec(mail.decoded);
  if (!found) throw new Error(`no link starting with ${prefix} in the email`);
  return new URL(found[0].replaceAll("&amp;", "&"));
}

/** Parses a raw RFC 5322 message. */
export function parseMail(file: string, raw: string): OutboxMail {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, " ");
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  const decoded = raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { file, headers, decoded };
}
