// The auth service as a library: start it in-process (tests, `npm start`).
export { startAuth, type AuthOptions, type AuthServer } from "./server.js";
