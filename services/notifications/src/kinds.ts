// Notification kinds: stored, contract and file-name forms.
import { NotificationKind } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { NotificationKind as StoredKind } from "./generated/prisma/client.js";

const CONTRACT: Record<StoredKind, NotificationKind> = {
  [StoredKind.EMAIL_VERIFICATION]: NotificationKind.EMAIL_VERIFICATION,
  [StoredKind.PASSWORD_RESET]: NotificationKind.PASSWORD_RESET,
  [StoredKind.ORG_MEMBER_ADDED]: NotificationKind.ORG_MEMBER_ADDED,
  [StoredKind.ORG_MEMBER_REMOVED]: NotificationKind.ORG_MEMBER_REMOVED,
  [StoredKind.ROLE_CHANGED]: NotificationKind.ROLE_CHANGED,
};

/** The contract form of a stored kind. */
export function contractKind(kind: StoredKind): NotificationKind {
  return CONTRACT[kind];
}

/** The lowercase name of a kind, e.g. "email_verification", for file names and headers. */
export function kindSlug(kind: StoredKind): string {
  return kind.toLowerCase();
}

export { StoredKind };
