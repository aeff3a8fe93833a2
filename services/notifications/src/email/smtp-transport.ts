// Email over SMTP with nodemailer; the URL carries host, port, credentials and TLS
// (smtp://user:pass@host:587, smtps://host:465).
import nodemailer, { type Transporter } from "nodemailer";
import type { MailTransport, OutgoingEmail } from "./mail-transport.js";

/** Sends through an SMTP server. */
export class SmtpTransport implements MailTransport {
  readonly name = "smtp";
  private readonly transporter: Transporter;

  constructor(url: string) {
    // Bounded, so a hanging server fails the attempt well within the event handler's time.
    this.transporter = nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
  }

  /** Hands `email` to the server; rejects with nodemailer's error (responseCode set for SMTP replies). */
  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const info = await this.transporter.sendMail(message(email));
    return { messageId: info.messageId };
  }

  /** Closes pooled connections. */
  close(): void {
    this.transporter.close();
  }
}

/** nodemailer's view of an outgoing email. */
export function message(email: OutgoingEmail) {
  return {
    from: email.from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: email.messageId,
    headers: email.headers,
  };
}
