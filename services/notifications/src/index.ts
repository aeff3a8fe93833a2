// The notifications service as a library: its declaration, for `npm start`, tests and tools.
export { notificationsService } from "./service.js";
export type { NotificationsContext } from "./context.js";
export { DEFAULT_MAIL_DIR } from "./config.js";
