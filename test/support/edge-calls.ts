// REST calls through the edge as a client makes them, answered with everything the fault suite
// judges: status, JSON body, Retry-After, content type, and how long the answer took. A call
// the client gives up on (no answer within `giveUpAfterMs`) is a hang, reported as status 0.

/** What the edge answered (status 0: no HTTP answer at all). */
export interface EdgeAnswer {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  /** Set when the client gave up waiting. */
  readonly hung?: boolean;
  /** The transport error, when no HTTP answer came. */
  readonly error?: string;
  readonly retryAfter?: string | null;
  readonly contentType?: string | null;
  readonly elapsedMs: number;
}

/** Calls `method path` on the edge with an optional JSON body and bearer token. */
export async function callEdge(baseUrl: string, method: string, path: string, options: { body?: unknown; token?: string; giveUpAfterMs?: number } = {}): Promise<EdgeAnswer> {
  const started = Date.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.giveUpAfterMs ?? 30_000),
    });
    const text = await res.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    return { status: res.status, body, retryAfter: res.headers.get("retry-after"), contentType: res.headers.get("content-type"), elapsedMs: Date.now() - started };
  } catch (error) {
    const hung = (error as Error).name === "TimeoutError";
    return { status: 0, hung, error: String((error as Error).cause ?? error), elapsedMs: Date.now() - started };
  }
}
