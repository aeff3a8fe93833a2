// Sends a fuzz request to a service port and reads what came back the way each protocol's client
// would: gRPC over HTTP/2 (status from headers or trailers), gRPC-Web and Connect over HTTP/1.1
// (status from headers, from the trailer frame in the body, or from the Connect error JSON). The
// oracle says what no answer may be: a 5xx but an outage's 503 (or Connect's 501 for an
// unknown method or compression), INTERNAL or UNKNOWN (but for the one INTERNAL the protocols
// prescribe, below), a stack trace or an internal address, or no answer at all.
import http2 from "node:http2";
import { Agent, request } from "undici";
import type { WireRequest } from "./frames.js";

/** One answer, as the fuzz judges it. */
export interface Answer {
  /** HTTP status; 0 when the request got no response (reset, closed, timed out). */
  readonly status: number;
  /** The gRPC status (gRPC, gRPC-Web) or Connect error code (Connect), if any. */
  readonly code?: string;
  /** Body and status message as text, for the leak check. */
  readonly text: string;
  /** Why there was no response. */
  readonly failure?: string;
}

const TIMEOUT_MS = 10_000;
// A gRPC or gRPC-Web frame flagged compressed with no encoding named: INTERNAL, as the Connect
// conformance suite requires ("unexpected-compressed-message") and grpc-go answers.
const UNEXPECTED_COMPRESSION = /received( |%20)compressed( |%20)envelope/;
// Stack frames, source files, this machine's paths and loopback addresses (but a gRPC path after one).
const LEAKS = /127\.0\.0\.1:\d+(?!\/junction\.)|\/work\/|node_modules|\bat \S+ \(|\.ts:\d+/;

/** Sends requests to service ports, one HTTP/2 session per port, HTTP/1.1 connections kept alive. */
export class FuzzClient {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly agent = new Agent({ connections: 4, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });

  /** Sends `req` to `baseUrl` and reads the whole answer. */
  async send(baseUrl: string, req: WireRequest): Promise<Answer> {
    try {
      return req.transport === "grpc" ? await this.http2(baseUrl, req) : await this.http1(baseUrl, req);
    } catch (error) {
      return { status: 0, text: "", failure: (error as Error).message };
    }
  }

  private session(baseUrl: string): http2.ClientHttp2Session {
    let session = this.sessions.get(baseUrl);
    if (!session || session.closed || session.destroyed) {
      session = http2.connect(baseUrl);
      session.on("error", () => this.sessions.delete(baseUrl));
      session.on("close", () => this.sessions.delete(baseUrl));
      this.sessions.set(baseUrl, session);
    }
    return session;
  }

  private http2(baseUrl: string, req: WireRequest): Promise<Answer> {
    return new Promise((resolve) => {
      const stream = this.session(baseUrl).request({ ":method": req.method, ":path": req.path, ...req.headers });
      let status = 0;
      let code: string | undefined;
      let message = "";
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), TIMEOUT_MS);
      stream.on("response", (head) => {
        status = Number(head[":status"]);
        code ??= head["grpc-status"] as string | undefined;
        message += String(head["grpc-message"] ?? "");
      });
      stream.on("trailers", (trailers) => {
        code ??= trailers["grpc-status"] as string | undefined;
        message += String(trailers["grpc-message"] ?? "");
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", () => undefined);
      stream.on("close", () => {
        clearTimeout(timer);
        const text = `${message}\n${Buffer.concat(chunks).toString("latin1")}`;
        const reset = stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR;
        if (status === 0 || (code === undefined && reset)) resolve({ status: 0, text, failure: `stream closed (code ${stream.rstCode}) without a gRPC status` });
        else resolve({ status, code, text });
      });
      stream.end(req.body);
    });
  }

  private async http1(baseUrl: string, req: WireRequest): Promise<Answer> {
    const res = await request(`${baseUrl}${req.path}`, { method: req.method, headers: req.headers, body: req.body, dispatcher: this.agent });
    const body = Buffer.from(await res.body.arrayBuffer());
    const text = body.toString("latin1");
    const header = (name: string) => {
      const value = res.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    let code = header("grpc-status");
    if (req.transport === "grpc-web") code ??= trailerFrameStatus(body);
    else if (res.statusCode !== 200 && header("content-type")?.startsWith("application/json")) {
      try {
        code = (JSON.parse(text) as { code?: string }).code;
      } catch {
        // not the Connect error shape: judged by its status alone
      }
    }
    return { status: res.statusCode, code, text: `${header("grpc-message") ?? ""}\n${text}` };
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    for (const session of this.sessions.values()) session.close();
    await this.agent.close();
  }
}

/** The grpc-status in a gRPC-Web body's trailer frame (flag 0x80), if there is one. */
function trailerFrameStatus(body: Buffer): string | undefined {
  let at = 0;
  while (at + 5 <= body.length) {
    const flags = body[at]!;
    const length = body.readUInt32BE(at + 1);
    if ((flags & 0x80) !== 0) return /grpc-status:\s*(\d+)/i.exec(body.subarray(at + 5, at + 5 + length).toString("latin1"))?.[1];
    at += 5 + length;
  }
  return undefined;
}

/** A short label for counting: "200 0", "400 invalid_argument", "no answer"; the prescribed INTERNAL is marked. */
export function answerLabel(answer: Answer): string {
  if (answer.status === 0) return "no answer";
  const prescribed = answer.code === "13" && UNEXPECTED_COMPRESSION.test(answer.text) ? " (compressed flag, no encoding)" : "";
  return `${answer.status} ${answer.code ?? "-"}${prescribed}`;
}

/** What is wrong with `answer`, or undefined if nothing is. */
export function violation(answer: Answer): string | undefined {
  if (answer.status === 0) return `no answer: ${answer.failure}`;
  const outage = answer.status === 503 && answer.code === "unavailable";
  // Connect's own mapping of UNIMPLEMENTED (an unknown method or compression: the caller's doing), which its conformance suite holds us to.
  const unimplemented = answer.status === 501 && answer.code === "unimplemented";
  if (answer.status >= 500 && !outage && !unimplemented) return `HTTP ${answer.status} (${answer.code ?? "no code"})`;
  if (answer.code === "13" && UNEXPECTED_COMPRESSION.test(answer.text)) return undefined;
  if (["2", "13", "unknown", "internal"].includes(answer.code ?? "")) return `status ${answer.code}`;
  const leak = LEAKS.exec(answer.text);
  if (leak) return `the answer shows ${JSON.stringify(leak[0])}`;
  return undefined;
}
