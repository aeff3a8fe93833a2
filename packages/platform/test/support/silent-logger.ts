import { createLogger } from "../../src/logger.js";

/** A logger that only prints errors, so test output stays readable. */
export const quietLogger = (service: string) => createLogger(service, process.env.LOG_LEVEL ?? "error");
