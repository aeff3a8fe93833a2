// The local mail outbox: every email as an RFC 5322 .eml file that any mail client opens,
// named `<event time>-<kind>-<event id>.eml` so `ls` lists them in order. Files appear
// atomically (written aside, then renamed), and a retried delivery overwrites its own file
// instead of adding a second one.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import type { MailTransport, OutgoingEmail } from "./mail-transport.js";
import { message } from "./smtp-transport.js";

/** Writes emails as .eml files into a directory. */
export class MailOutbox implements MailTransport {
  readonly name = "mail-outbox";

  private constructor(
    /** The absolute directory the files go to. */
    readonly dir: string,
    private readonly composer: Transporter,
  ) {}

  /** The outbox at `dir`, created if missing. */
  static async open(dir: string): Promise<MailOutbox> {
    const absolute = resolve(dir);
    await mkdir(absolute, { recursive: true });
    return new MailOutbox(absolute, nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" }));
  }

  /** Writes `email` to `<dir>/<email.name>.eml`. */
  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const info = await this.composer.sendMail(message(email));
    const file = join(this.dir, `${email.name}.eml`);
    const partial = `${file}.partial`;
    await writeFile(partial, info.message as Buffer);
    await rename(partial, file);
    return { messageId: info.messageId };
  }

  /** The path a delivery named `name` is written to. */
  fileOf(name: string): string {
    return join(this.dir, `${name}.eml`);
  }

  close(): void {}
}
