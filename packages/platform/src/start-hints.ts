// What to do when a local dependency is down: one place for the hint that start-up errors and
// `npm start` print when PostgreSQL, Redis or NATS does not answer.

const SETUP = "npm run setup (installs what is missing and starts PostgreSQL, Redis and NATS; see README.md)";

/** Starts the local PostgreSQL cluster. */
export const POSTGRES_START_HINT = SETUP;

/** Starts a local Redis. */
export const REDIS_START_HINT = SETUP;

/** Starts a local NATS server with JetStream. */
export const NATS_START_HINT = SETUP;
