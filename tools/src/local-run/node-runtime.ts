// How a service's Node process runs, in npm start, the Docker image and the benchmarks alike
// (the Dockerfile repeats these values; test/compose.test.ts holds them together). Measured in
// docs/performance.md: a bundled service idles at about 80-90 MB resident with all of them, about
// 120-130 MB without the trim threshold, 190-235 MB with none.
// - MALLOC_ARENA_MAX=2: glibc gives every thread that allocates its own 64 MB arena and keeps what
//   it touched; Node's helper threads (GC, compilation, libuv) each held one.
// - MALLOC_TRIM_THRESHOLD_=131072: glibc's own default, but set explicitly it stays put. Left to
//   glibc, freeing a large block (compiling a bundle frees many) raises the threshold, and the
//   heap's free top is never handed back: 10-20 MB of a service's idle memory.
// - --max-semi-space-size=4: the young generation's semi-spaces grow to 16 MB each by default,
//   resident once touched; 4 MB costs more scavenges: nothing measurable for a service's gRPC
//   answers, but calls between services in one process reach about 20k/s instead of 26k/s with
//   16 MB, which costs 10-20 MB more per service (docs/performance.md). Memory is the default here.
// - --liftoff-only: the only WebAssembly a service runs is Prisma's query compiler; V8 tiered its
//   hot functions up to TurboFan during start-up, on helper threads, and kept the memory. Without
//   that a bundled service idles at about 120-130 MB instead of 140-180, uses about a quarter less
//   CPU to start, and Prisma queries cost the same CPU (about 400 µs each in a loop of
//   finds and updates). A V8 flag: NODE_OPTIONS refuses it, so it goes on the command line.

/** Environment variables every service process starts with. */
export const SERVICE_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2", MALLOC_TRIM_THRESHOLD_: "131072" };

/** Node flags every service process starts with. */
export const SERVICE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4", "--liftoff-only"];
