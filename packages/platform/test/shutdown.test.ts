// SIGTERM on a real service process: the in-flight call completes, shutdown steps run, exit 0.
import test from "ava";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";

test("SIGTERM lets an in-flight call finish, runs the shutdown steps and exits 0", async (t) => {
  const child = spawn(process.execPath, ["--import=tsx", new URL("fixtures/slow-service.ts", import.meta.url).pathname], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.teardown(() => child.kill("SIGKILL"));
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /port (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`service exited early with ${code}`)));
  });
  const client = createClient(OrgsService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
  const call = client.getOrganization({ orgId: "in-flight" });
  await new Promise((resolve) => setTimeout(resolve, 150)); // the call is being served
  child.kill("SIGTERM");
  const [exitCode] = (await Promise.all([once(child, "exit"), call.then((res) => t.is(res.organization?.orgId, "in-flight"))]))[0] as [number];
  t.is(exitCode, 0);
  t.regex(output, /shutdown steps ran/);
});
