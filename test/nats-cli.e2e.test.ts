// The real NATS CLI (var/tools/bin/nats, installed by `npm run setup`) reading what Junction
// publishes: a registration's event in stream AUTH with its CloudEvents headers and a readable
// JSON body (`nats stream view` at a terminal, `nats stream get`), and every consumer of the
// stream with its pending counts, as docs/events.md shows operators; and none of what the CLI can
// read holds a verification or reset token, which travel sealed for notifications alone; nor
// does `npm run events -- dlq show` of those events dead-lettered, even with --reveal.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { EventNamespace, storeDeadLetter } from "@junction/platform";
import { runEventsCommand } from "@junction/tools/events-cli/cli";
import { connect } from "nats";
import { tool } from "../packages/platform/test/support/tools.js";
import { PASSWORD, uniqueEmail } from "./support/accounts.js";
import { linkIn, waitForMail } from "./support/mail-outbox.js";
import { runOk } from "./support/cli.js";
import { TestPlatform, eventually } from "./support/platform.js";
import { startAudit, startAuth, startNotifications, startUsers } from "./support/services.js";

const nats = tool("nats");
let platform: TestPlatform;
let mailDir: string;
let namespace: EventNamespace;
let natsEnv: NodeJS.ProcessEnv;

test.before(async () => {
  mailDir = await mkdtemp(join(tmpdir(), "junction-nats-cli-mail-"));
  platform = await TestPlatform.create(undefined, { JUNCTION_MAIL_DIR: mailDir });
  namespace = new EventNamespace(platform.id);
  // The CLI finds the server the way a user's shell tells it: $NATS_URL.
  natsEnv = { ...process.env, NATS_URL: platform.env.NATS_URL ?? "nats://127.0.0.1:4222" };
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
  await platform.start("notifications", startNotifications);
  await platform.start("audit", startAudit);
});
test.after.always(async () => {
  await platform?.close();
  await rm(mailDir, { recursive: true, force: true });
});

/** Runs `nats` with `args` as a user at a terminal would (some commands page only on a TTY). */
const atTerminal = (args: string[]) => runOk("script", ["-qec", ["nats", ...args].map((a) => `'${a}'`).join(" "), "/dev/null"], { env: { ...natsEnv, PATH: `${tool("nats").replace(/\/nats$/, "")}:${process.env.PATH}` } });

test.serial("a registration's event is in stream AUTH with CloudEvents headers and a readable JSON body", async (t) => {
  const email = uniqueEmail("nats-cli");
  const { userId } = await platform.client(AuthService).register({ email, password: PASSWORD, displayName: "Nats Reader" });
  const stream = namespace.stream("auth");
  const subject = namespace.subject("auth.user.created");

  const got = await eventually(async () => {
    const message = JSON.parse(await runOk(nats, ["stream", "get", stream, "--last-for", subject, "--json"], { env: natsEnv })) as {
      subject: string;
      seq: number;
      hdrs: string;
      data: string;
    };
    const body = JSON.parse(Buffer.from(message.data, "base64").toString()) as { userId: string; email: string };
    return body.userId === userId ? { ...message, body } : undefined;
  }, "the user.created event in the AUTH stream");
  const headers = Buffer.from(got.hdrs, "base64").toString();
  for (const header of ["ce-specversion: 1.0", "ce-type: auth.user.created", "ce-source:", "ce-id:", "ce-time:", "ce-subject:", "traceparent:", "Nats-Msg-Id:"]) {
    t.true(headers.includes(header), `header ${header} in:\n${headers}`);
  }
  t.is(got.body.email, email);

  // `nats stream view` pages at a terminal and shows headers and the JSON body as text.
  const view = await atTerminal(["stream", "view", stream, "--subject", subject]);
  t.regex(view, /ce-type: auth\.user\.created/);
  t.true(view.includes(`"userId":"${userId}"`), view.slice(-2000));
  // `nats stream get` by sequence prints the same message readably.
  const plain = await runOk(nats, ["stream", "get", stream, String(got.seq)], { env: natsEnv });
  t.regex(plain, /Headers:/);
  t.true(plain.includes(`"email":"${email}"`));
});

test.serial("nats consumer report lists every consumer of AUTH with its pending counts, drained once handled", async (t) => {
  await platform.client(AuthService).register({ email: uniqueEmail("nats-consumers"), password: PASSWORD, displayName: "Pending" });
  const stream = namespace.stream("auth");
  const names = (await runOk(nats, ["consumer", "ls", stream, "--names"], { env: natsEnv })).trim().split("\n").sort();
  t.deepEqual(names, ["audit", "notifications", "users"]);
  const infos = await eventually(async () => {
    const listed = await Promise.all(
      names.map(async (name) => JSON.parse(await runOk(nats, ["consumer", "info", stream, name, "--json"], { env: natsEnv })) as { name: string; num_pending: number; num_ack_pending: number }),
    );
    return listed.every((c) => c.num_pending === 0 && c.num_ack_pending === 0) ? listed : undefined;
  }, "every consumer to catch up");
  t.is(infos.length, 3);
  const report = await runOk(nats, ["consumer", "report", stream], { env: natsEnv });
  for (const name of names) t.regex(report, new RegExp(`│ ${name}\\s+│ Pull`));
  t.regex(report, /Unprocessed/);
});

test.serial("no verification or reset token can be read from the AUTH stream or auth's outbox: they are sealed for notifications", async (t) => {
  const email = uniqueEmail("sealed");
  await platform.client(AuthService).register({ email, password: PASSWORD, displayName: "Sealed" });
  await platform.client(AuthService).requestPasswordReset({ email });
  // Notifications opened both tokens: they are in the emails it sent.
  const verify = linkIn(await waitForMail(mailDir, (m) => m.headers.to?.includes(email) === true && /verify-email/.test(m.decoded), "the verification email"), "http").searchParams.get("token")!;
  const reset = linkIn(await waitForMail(mailDir, (m) => m.headers.to?.includes(email) === true && /reset-password/.test(m.decoded), "the reset email"), "http").searchParams.get("token")!;
  t.true(verify.length > 20 && reset.length > 20);

  const stream = namespace.stream("auth");
  const info = JSON.parse(await runOk(nats, ["stream", "info", stream, "--json"], { env: natsEnv })) as { state: { first_seq: number; last_seq: number } };
  let read = 0;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const message = JSON.parse(await runOk(nats, ["stream", "get", stream, String(seq), "--json"], { env: natsEnv })) as { hdrs?: string; data: string };
    const text = Buffer.from(message.data, "base64").toString() + Buffer.from(message.hdrs ?? "", "base64").toString();
    t.false(text.includes(verify) || text.includes(reset), `message ${seq} holds a token`);
    if (/"(verificationToken|resetToken)":"sealed\.v1\./.test(text)) read++;
  }
  t.true(read >= 2, "the token fields are there, sealed");
  const rows = await platform.query<{ data: string }>("auth", "SELECT data FROM junction_events.outbox");
  t.false(rows.some((row) => row.data.includes(verify) || row.data.includes(reset)), "nor in the outbox table");

  // Both events dead-lettered as a failing consumer would leave them, then shown as an operator would.
  const nc = await connect({ servers: natsEnv.NATS_URL });
  t.teardown(() => nc.close());
  const js = nc.jetstream();
  const letters: number[] = [];
  for (const type of ["auth.user.email_verification_requested", "auth.user.password_reset_requested"]) {
    const reader = await js.consumers.get(stream, { filterSubjects: [namespace.subject(type)] });
    for (let msg = await reader.next({ expires: 2000 }); msg; msg = await reader.next({ expires: 2000 })) {
      if (!msg.string().includes(email)) continue;
      letters.push(await storeDeadLetter(js, namespace, msg, { consumer: "notifications", type, error: "mail server refused" }));
      break;
    }
  }
  t.is(letters.length, 2);
  const shown = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runEventsCommand(["dlq", ...args, "--prefix", namespace.prefix, "--url", natsEnv.NATS_URL!], { out: (line) => lines.push(line), err: (line) => lines.push(line) }, {});
    t.is(code, 0, lines.join("\n"));
    return lines.join("\n");
  };
  for (const seq of letters) {
    for (const view of [await shown("show", String(seq)), await shown("show", String(seq), "--json"), await shown("show", String(seq), "--reveal")]) {
      t.true(view.includes(email), "the dead letter is shown");
      t.false(view.includes(verify) || view.includes(reset), `dead letter ${seq} shows a token:\n${view}`);
    }
    t.regex(await shown("show", String(seq)), /"(verificationToken|resetToken)": "\[redacted\]"/, "sensitive fields are redacted");
  }
  t.false((await shown("list")).includes(reset), "nor does the list");
});
