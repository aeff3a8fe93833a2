// The users service as a library: start it in-process (tests, `npm start`).
export { startUsers, type UsersOptions, type UsersServer } from "./server.js";
