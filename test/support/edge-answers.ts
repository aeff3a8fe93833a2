// Reading what the edge answered during a fault: a tally by status (5xx by gRPC code and
// reason), and every answer that breaks the platform's failure semantics — a 500, an error that
// is not a 503/504 in the platform's JSON shape (`{code, message, details}`), a 503 without
// Retry-After, a message carrying a transport's text or an address, or no answer at all.
import { Code } from "@connectrpc/connect";
import type { EdgeAnswer } from "./edge-calls.js";

// What a client must never read in a message: an address, a port, a socket error's text.
const LEAKED = /\d+\.\d+\.\d+\.\d+|:\d{2,5}\b|ECONN|EPIPE|socket|NGHTTP2|stream (was )?(closed|reset)/i;

/** The tally key of an answer, e.g. "200", "503 UNAVAILABLE UPSTREAM_UNAVAILABLE", "no answer". */
export function answerKey(attempt: EdgeAnswer): string {
  if (attempt.status === 0) return attempt.hung ? "hung" : "no answer";
  if (attempt.status < 500) return String(attempt.status);
  const code = typeof attempt.body?.code === "number" ? Code[attempt.body.code] : "?";
  const reason = reasonOf(attempt);
  return `${attempt.status} ${code ?? attempt.body?.code}${reason ? ` ${reason}` : ""}`;
}

/** Answers counted by key, most frequent first. */
export function tallyAnswers(attempts: readonly EdgeAnswer[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const attempt of attempts) counts.set(answerKey(attempt), (counts.get(answerKey(attempt)) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

/** Why `attempt` breaks the failure semantics, or undefined when it is a 200 or a proper 503/504. */
export function improperAnswer(attempt: EdgeAnswer): string | undefined {
  if (attempt.status === 200) return undefined;
  if (attempt.status === 0) return attempt.hung ? "no answer before the client gave up" : `no HTTP answer: ${attempt.error}`;
  const shown = `${attempt.status} ${JSON.stringify(attempt.body)}`;
  if (attempt.status !== 503 && attempt.status !== 504) return `neither 200 nor 503/504: ${shown}`;
  const { body } = attempt;
  if (!attempt.contentType?.startsWith("application/json") || !body) return `not JSON: ${shown}`;
  if (typeof body.code !== "number" || typeof body.message !== "string" || !Array.isArray(body.details)) return `not the platform's error shape: ${shown}`;
  const expected = attempt.status === 503 ? Code.Unavailable : Code.DeadlineExceeded;
  if (body.code !== expected) return `HTTP ${attempt.status} with code ${Code[body.code as Code]}: ${shown}`;
  if (LEAKED.test(body.message)) return `a transport's text or an address in the message: ${shown}`;
  if (attempt.status === 503 && !attempt.retryAfter) return `503 without Retry-After: ${shown}`;
  return undefined;
}

/** The ErrorInfo reason of an error answer, if any. */
export function reasonOf(attempt: EdgeAnswer): string | undefined {
  const details = Array.isArray(attempt.body?.details) ? (attempt.body.details as Array<Record<string, unknown>>) : [];
  const info = details.find((d) => String(d["@type"]).endsWith("google.rpc.ErrorInfo"));
  return typeof info?.reason === "string" ? info.reason : undefined;
}
