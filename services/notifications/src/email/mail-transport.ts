// How an email leaves: over SMTP when JUNCTION_SMTP_URL is set, otherwise into the local mail
// outbox directory as .eml files. Both take the same message, so what a developer opens
// locally is byte for byte what a mail server would have received.
import type { Logger } from "@junction/platform";
import type { NotificationsConfig } from "../config.js";
import { MailOutbox } from "./mail-outbox.js";
import { SmtpTransport } from "./smtp-transport.js";

/** An email ready to send. */
export interface OutgoingEmail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The Message-ID, stable across retries of one delivery so receivers can drop duplicates. */
  readonly messageId: string;
  /** A file-name-safe, chronologically sortable name for the delivery, e.g. for .eml files. */
  readonly name: string;
  readonly headers: Record<string, string>;
}

/** Sends emails somewhere. */
export interface MailTransport {
  /** "smtp" or "mail-outbox", recorded with each delivery. */
  readonly name: string;
  /** Sends `email`; rejects on failure (see isPermanentMailError). */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

/** The transport the configuration asks for. */
export async function mailTransport(config: Pick<NotificationsConfig, "smtpUrl" | "mailDir">, logger: Logger): Promise<MailTransport> {
  if (config.smtpUrl) {
    logger.info({ smtp: redactPassword(config.smtpUrl) }, "emails go out over SMTP");
    return new SmtpTransport(config.smtpUrl);
  }
  const outbox = await MailOutbox.open(config.mailDir);
  logger.info({ mail_dir: outbox.dir }, "no JUNCTION_SMTP_URL: emails are written to the local mail outbox");
  return outbox;
}

/**
 * True when sending again cannot help: the server refused for good (SMTP 5xx, e.g. an unknown
 * mailbox) or the message has no valid recipient. Connection failures and 4xx are transient.
 */
export function isPermanentMailError(error: unknown): boolean {
  const { responseCode, code } = (error ?? {}) as { responseCode?: number; code?: string };
  // The server's reply decides when there is one (a 451 on RCPT is also reported as EENVELOPE).
  if (typeof responseCode === "number") return responseCode >= 500 && responseCode < 600;
  return code === "EENVELOPE" || code === "EMESSAGE";
}

function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
