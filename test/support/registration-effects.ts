// What every committed registration must have caused, counted where each effect lives: one
// profile (users' database), one audit entry of auth.user.created (audit's log) and one
// verification email (notifications' mail outbox, a file per event). A registration is
// committed when the edge answered 200 or when auth's database holds the account (a commit
// whose answer was lost in a crash counts too). Missing is lost; more than one is duplicated.
import { readdir } from "node:fs/promises";
import type { FaultDeployment } from "./fault-deployment.js";
import type { RegistrationAttempt } from "./registration-traffic.js";

/** The effects of one kind: user ids without it, and user ids with more than one. */
export interface EffectCount {
  readonly missing: string[];
  readonly duplicated: string[];
  /** Effects for accounts auth does not have. */
  readonly strays: string[];
}

/** The state of every registration's effects at one moment. */
export interface EffectsCheck {
  /** Accounts in auth's database. */
  readonly committed: number;
  /** Registrations answered 200 whose account auth does not have: lost commits. */
  readonly answeredButMissing: string[];
  /** auth.user.created and verification events each account has in auth's outbox (one each), and rows not yet published. */
  readonly outbox: EffectCount & { readonly unsent: number };
  readonly profiles: EffectCount;
  readonly auditEntries: EffectCount;
  readonly emails: EffectCount;
}

/** Whether every committed registration has each effect exactly once. */
export function allEffectsOnce(check: EffectsCheck): boolean {
  const kinds = [check.outbox, check.profiles, check.auditEntries, check.emails];
  return check.answeredButMissing.length === 0 && check.outbox.unsent === 0 && kinds.every((k) => k.missing.length + k.duplicated.length + k.strays.length === 0);
}

/** A short account of what is off, for assertion messages. */
export function describeEffects(check: EffectsCheck): string {
  const part = (name: string, k: EffectCount) => `${name}: ${k.missing.length} missing, ${k.duplicated.length} duplicated, ${k.strays.length} strays`;
  return [
    `${check.committed} committed, ${check.answeredButMissing.length} answered 200 but not in auth's database, ${check.outbox.unsent} outbox rows unsent`,
    part("outbox events", check.outbox),
    part("profiles", check.profiles),
    part("audit entries", check.auditEntries),
    part("verification emails", check.emails),
  ].join("; ");
}

/** Counts every committed registration's effects in `deployment`, given what the edge answered. */
export async function checkEffects(deployment: FaultDeployment, attempts: readonly RegistrationAttempt[]): Promise<EffectsCheck> {
  const { platform } = deployment;
  const accounts = new Set((await platform.query<{ id: string }>("auth", "SELECT id::text AS id FROM users")).map((r) => r.id));
  const answered = attempts.filter((a) => a.status === 200).map((a) => String(a.body?.userId));
  const outboxRows = await platform.query<{ id: string; type: string; subject: string; sent: boolean }>(
    "auth",
    "SELECT id::text AS id, type, subject, sent_at IS NOT NULL AS sent FROM junction_events.outbox WHERE type IN ('auth.user.created', 'auth.user.email_verification_requested')",
  );
  const verificationSubject = new Map(outboxRows.filter((r) => r.type === "auth.user.email_verification_requested").map((r) => [r.id, r.subject]));
  const [profiles, auditEntries, emailFiles] = await Promise.all([
    platform.query<{ id: string }>("users", "SELECT user_id::text AS id FROM profiles"),
    platform.query<{ id: string }>("audit", "SELECT subject AS id FROM audit_entries WHERE type = 'auth.user.created'"),
    readdir(deployment.mailDir),
  ]);
  // <event time>-email_verification-<event id>.eml: the event names the account.
  const emailOwners = emailFiles.flatMap((file) => {
    const eventId = /-email_verification-(.+)\.eml$/.exec(file)?.[1];
    return eventId ? [verificationSubject.get(eventId) ?? `unknown event ${eventId}`] : [];
  });
  return {
    committed: accounts.size,
    answeredButMissing: answered.filter((id) => !accounts.has(id)),
    outbox: {
      ...countEach(accounts, outboxRows.filter((r) => r.type === "auth.user.created").map((r) => r.subject)),
      unsent: outboxRows.filter((r) => !r.sent).length,
    },
    profiles: countEach(accounts, profiles.map((r) => r.id)),
    auditEntries: countEach(accounts, auditEntries.map((r) => r.id)),
    emails: countEach(accounts, emailOwners),
  };
}

function countEach(accounts: ReadonlySet<string>, owners: readonly string[]): EffectCount {
  const counts = new Map<string, number>();
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return {
    missing: [...accounts].filter((id) => !counts.has(id)),
    duplicated: [...counts].filter(([id, n]) => n > 1 && accounts.has(id)).map(([id]) => id),
    strays: [...counts.keys()].filter((id) => !accounts.has(id)),
  };
}
