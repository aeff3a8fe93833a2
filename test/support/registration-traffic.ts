// A steady stream of registrations through the edge (REST POST /v1/auth/register), each with a
// fresh email, at a fixed rate with a cap on requests in flight, every answer recorded: status,
// body, when it was sent and how long it took. A request the client gives up on is recorded as
// a hang, not retried: the fault suite counts what the platform answered.
import { randomBytes } from "node:crypto";
import { callEdge, type EdgeAnswer } from "./edge-calls.js";

/** One registration attempt and what came back. */
export interface RegistrationAttempt extends EdgeAnswer {
  readonly email: string;
  /** When it was sent (Date.now()). */
  readonly sentAt: number;
  /** When the answer (or the client's give-up) came. */
  readonly answeredAt: number;
}

/** How hard the stream pushes. */
export interface TrafficShape {
  readonly ratePerSecond: number;
  /** Requests in flight at most; a tick that finds the cap reached sends nothing. */
  readonly maxInFlight: number;
  /** When the client gives up on one request (a hang: no answer within every deadline). */
  readonly giveUpAfterMs: number;
}

/** The shape the fault suite uses: light enough for two busy cores, steady enough to catch every fault mid-stream. */
export const FAULT_TRAFFIC: TrafficShape = { ratePerSecond: 8, maxInFlight: 16, giveUpAfterMs: 20_000 };

/** A registration stream against one edge; start() and stop() as often as needed. */
export class RegistrationTraffic {
  readonly attempts: RegistrationAttempt[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private sequence = 0;
  /** Ticks that found `maxInFlight` requests outstanding and sent nothing. */
  skipped = 0;

  constructor(
    private readonly edgeUrl: string,
    private readonly shape: TrafficShape = FAULT_TRAFFIC,
    private readonly label = randomBytes(3).toString("hex"),
  ) {}

  /** Starts sending. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), 1000 / this.shape.ratePerSecond);
  }

  /** Stops sending and resolves once every request in flight has its answer. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Attempts sent at or after `since` (Date.now()). */
  since(since: number): RegistrationAttempt[] {
    return this.attempts.filter((a) => a.sentAt >= since);
  }

  /** The first attempt sent at or after `since` that was answered 200, if any yet. */
  firstSuccessSince(since: number): RegistrationAttempt | undefined {
    return this.attempts.filter((a) => a.sentAt >= since && a.status === 200).sort((a, b) => a.answeredAt - b.answeredAt)[0];
  }

  /** Sends one registration now, outside the steady stream; resolves with its answer. */
  async once(): Promise<RegistrationAttempt> {
    const attempt = await this.register(`${this.label}-${this.sequence++}`);
    this.attempts.push(attempt);
    return attempt;
  }

  private tick(): void {
    if (this.inFlight.size >= this.shape.maxInFlight) {
      this.skipped++;
      return;
    }
    const sent = this.register(`${this.label}-${this.sequence++}`).then((attempt) => void this.attempts.push(attempt));
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  private async register(name: string): Promise<RegistrationAttempt> {
    const email = `fault-${name}-${randomBytes(3).toString("hex")}@example.com`;
    const sentAt = Date.now();
    const body = { email, password: "correct-horse-9", display_name: `Fault ${name}` };
    const answer = await callEdge(this.edgeUrl, "POST", "/v1/auth/register", { body, giveUpAfterMs: this.shape.giveUpAfterMs });
    return { ...answer, email, sentAt, answeredAt: sentAt + answer.elapsedMs };
  }
}
