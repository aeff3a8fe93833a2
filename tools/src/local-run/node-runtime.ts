// How a service's Node process runs, in npm start, the Docker image and the benchmarks alike
// (the Dockerfile repeats these values; test/compose.test.ts holds them together). Measured in
// docs/performance.md: a service idles at about 160-170 MB resident with them, 190-235 MB without.
// - MALLOC_ARENA_MAX=2: glibc gives every thread that allocates its own 64 MB arena and keeps what
//   it touched; Node's helper threads (GC, compilation, libuv) each held one.
// - --max-semi-space-size=4: the young generation's semi-spaces grow to 16 MB each by default,
//   resident once touched; 4 MB costs more scavenges, no measurable throughput.

/** Environment variables every service process starts with. */
export const SERVICE_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** Node flags every service process starts with. */
export const SERVICE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4"];
