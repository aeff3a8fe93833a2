// A tiny SMTP server for tests: accepts mail into memory, or answers RCPT TO with a reply a
// test chooses per recipient (e.g. "550 5.1.1 no such user" or "451 4.3.0 try again later"),
// so SMTP delivery, permanent refusals and transient failures can be exercised for real.
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { ExecutionContext } from "ava";

/** A message the server accepted. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  /** The raw message (headers and body) as sent after DATA. */
  readonly data: string;
}

/** The running server. */
export interface TestSmtpServer {
  /** smtp://127.0.0.1:<port> */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** RCPT TO attempts per recipient address. */
  readonly attempts: Map<string, number>;
}

/** Starts the server; `rcptReply` decides each RCPT TO (default "250 OK"). Closed when the test ends. */
export async function startSmtpServer(
  t: Pick<ExecutionContext, "teardown">,
  rcptReply: (address: string, attempt: number) => string = () => "250 OK",
): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    let data: string[] = [];
    let envelope: { from: string; to: string[] } = { from: "", to: [] };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply("220 junction-test ESMTP");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            received.push({ ...envelope, data: data.join("\r\n") });
            data = [];
            reply("250 2.0.0 OK queued");
          } else data.push(line.startsWith("..") ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") socket.write("250-junction-test\r\n250 8BITMIME\r\n");
        else if (verb === "HELO" || verb === "NOOP") reply("250 OK");
        else if (verb === "RSET") {
          envelope = { from: "", to: [] };
          reply("250 OK");
        } else if (verb === "MAIL") {
          envelope = { from: address(line), to: [] };
          reply("250 OK");
        } else if (verb === "RCPT") {
          const to = address(line);
          const attempt = (attempts.get(to) ?? 0) + 1;
          attempts.set(to, attempt);
          const answer = rcptReply(to, attempt);
          if (answer.startsWith("2")) envelope.to.push(to);
          reply(answer);
        } else if (verb === "DATA") {
          inData = true;
          reply("354 End data with <CR><LF>.<CR><LF>");
        } else if (verb === "QUIT") {
          reply("221 Bye");
          socket.end();
        } else reply("502 5.5.2 command not implemented");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`, received, attempts };
}

function address(line: string): string {
  return /<([^>]*)>/.exec(line)?.[1]?.toLowerCase() ?? "";
}
