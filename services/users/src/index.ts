// The users service as a library: its declaration, for `npm start`, tests and tools.
export { usersService } from "./service.js";
export type { UsersContext } from "./context.js";
