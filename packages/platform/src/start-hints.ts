// How to start each local dependency on a machine of this kind: one place for the commands that
// start-up errors, `npm start` and the docs print when PostgreSQL, Redis or NATS is down.

/** Starts the local PostgreSQL cluster. */
export const POSTGRES_START_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

/** Starts a local Redis that keeps nothing on disk. */
export const REDIS_START_HINT = 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no';

/** Starts a local NATS server with JetStream. */
export const NATS_START_HINT =
  "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log";
