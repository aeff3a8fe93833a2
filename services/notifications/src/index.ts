// The notifications service as a library: start it in-process (tests, `npm start`).
export { startNotifications, type NotificationsOptions, type NotificationsServer } from "./server.js";
export { DEFAULT_MAIL_DIR } from "./config.js";
