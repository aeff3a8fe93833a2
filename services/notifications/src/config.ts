// The notifications service's own settings, from the environment, validated at start.
import { fileURLToPath } from "node:url";
import { ConfigError, envString, envUrl, loadConfig } from "@junction/platform";

/** The local mail outbox of a checkout: `var/mail/` at the repository root (git-ignored). */
export const DEFAULT_MAIL_DIR = fileURLToPath(new URL("../../../var/mail", import.meta.url));

/** Reads notifications' settings; throws ConfigError naming each bad variable. */
export function notificationsConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(
    {
      /** Where links in emails point: the edge as users reach it. */
      publicUrl: envUrl("JUNCTION_PUBLIC_URL", "http://localhost:8080"),
      /** SMTP server, e.g. smtp://user:pass@mail.example.com:587; unset: write .eml files instead. */
      smtpUrl: envString("JUNCTION_SMTP_URL", ""),
      /** The local mail outbox directory used when no SMTP server is configured. */
      mailDir: envString("JUNCTION_MAIL_DIR", DEFAULT_MAIL_DIR),
      /** The From header of every email. */
      mailFrom: envString("JUNCTION_MAIL_FROM", "Junction <no-reply@junction.localhost>"),
    },
    env,
  );
  if (config.smtpUrl && !/^smtps?:\/\//.test(config.smtpUrl)) {
    throw new ConfigError(["JUNCTION_SMTP_URL: expected an smtp:// or smtps:// URL"]);
  }
  return { ...config, publicUrl: config.publicUrl.replace(/\/+$/, "") };
}

/** Notifications' settings. */
export type NotificationsConfig = ReturnType<typeof notificationsConfig>;
