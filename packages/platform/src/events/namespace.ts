// The names of one event world: streams, subjects and the dead-letter stream. The platform
// uses the root namespace (`AUTH` on `auth.>`); tests and benchmarks take a prefix of their
// own (`T1A2B_AUTH` on `t1a2b.auth.>`) so they never touch a running platform's events.

const PREFIX_PATTERN = /^[a-z][a-z0-9_]*$/;
const NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** Stream and subject names, optionally isolated under a prefix. */
export class EventNamespace {
  /** The platform's own namespace: no prefix. */
  static readonly root = new EventNamespace();

  constructor(readonly prefix = "") {
    if (prefix && !PREFIX_PATTERN.test(prefix)) throw new Error(`invalid event namespace prefix "${prefix}": use lowercase letters, digits and _`);
  }

  /** The JetStream stream of a producing service, e.g. "AUTH". */
  stream(service: string): string {
    return this.streamName(checkName(service).toUpperCase());
  }

  /** The subjects a producing service's stream captures, e.g. "auth.>". */
  streamSubjects(service: string): string {
    return this.subject(`${checkName(service)}.>`);
  }

  /** The NATS subject events of `type` are published on. */
  subject(type: string): string {
    return this.prefix ? `${this.prefix}.${type}` : type;
  }

  /** The event type published on `subject`: the subject without the prefix (and, for a replay, without `replay.<consumer>.`). */
  typeOf(subject: string): string {
    const local = this.prefix && subject.startsWith(`${this.prefix}.`) ? subject.slice(this.prefix.length + 1) : subject;
    return local.startsWith("replay.") ? local.split(".").slice(2).join(".") : local;
  }

  /**
   * The replay subjects a producing service's stream also captures, e.g. "replay.*.auth.>". A
   * replay is meant for one consumer, so it travels in the event's own stream (its order and
   * retention) on a subject only that consumer's durable filters on.
   */
  replaySubjects(service: string): string {
    return this.subject(`replay.*.${checkName(service)}.>`);
  }

  /** Where a replay of `typeOrFilter` for `consumer` alone goes, e.g. "replay.users.auth.user.created"; with a filter ("auth.>"), what that consumer receives. */
  replaySubject(consumer: string, typeOrFilter: string): string {
    return this.subject(`replay.${checkName(consumer)}.${typeOrFilter}`);
  }

  /** The stream holding events no handler could process. */
  get deadLetterStream(): string {
    return this.streamName("DEAD_LETTERS");
  }

  /** The subjects of the dead-letter stream. */
  get deadLetterSubjects(): string {
    return this.subject("dlq.>");
  }

  /** Where a dead letter of `consumer` for an event of `type` is stored, e.g. "dlq.users.auth.user.created". */
  deadLetterSubject(consumer: string, type: string): string {
    return this.subject(`dlq.${checkName(consumer)}.${type}`);
  }

  /** Whether `stream` belongs to this namespace; the root namespace sees every stream. */
  ownsStream(stream: string): boolean {
    return !this.prefix || stream.startsWith(`${this.prefix.toUpperCase()}_`);
  }

  private streamName(base: string): string {
    return this.prefix ? `${this.prefix.toUpperCase()}_${base}` : base;
  }
}

function checkName(name: string): string {
  if (!NAME_PATTERN.test(name)) throw new Error(`invalid service or consumer name "${name}": use lowercase letters, digits, _ and -`);
  return name;
}
