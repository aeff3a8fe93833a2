// Junction's services as test starters: each hosts the service's declaration the way
// `npm start` does (packages/platform/src/host/start-service.ts), with the test's environment.
import { auditService } from "@junction/audit";
import { authService } from "@junction/auth";
import { notificationsService } from "@junction/notifications";
import { orgsService } from "@junction/orgs";
import { usersService } from "@junction/users";
import { startService, type HostOptions } from "@junction/platform";

/** Starts auth. */
export const startAuth = (options: HostOptions) => startService(authService, options);
/** Starts users. */
export const startUsers = (options: HostOptions) => startService(usersService, options);
/** Starts orgs. */
export const startOrgs = (options: HostOptions) => startService(orgsService, options);
/** Starts notifications. */
export const startNotifications = (options: HostOptions) => startService(notificationsService, options);
/** Starts audit. */
export const startAudit = (options: HostOptions) => startService(auditService, options);
