// What the protocol fuzz runs against: every service of manifest.yaml as a process of its own
// (test/support/service-process.ts), so a request that ends a process is seen as the crash it is,
// in a throwaway deployment (its own databases, Redis keys and streams), with the credentials a
// caller can hold: a service token for any service, and a signed-in user's access token.
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { Health, HealthCheckResponse_ServingStatus } from "@junction/gen/health/v1/health_pb";
import { createServiceTokenIssuer, SERVICE_TOKEN_HEADER } from "@junction/platform";
import { uniqueEmail, PASSWORD } from "../accounts.js";
import { serviceNames, type ServiceName } from "../junction.js";
import { TestPlatform } from "../platform.js";
import { ServiceProcess } from "../service-process.js";

/** A signed-in user the fuzz may act as. */
export interface FuzzUser {
  readonly userId: string;
  readonly email: string;
  readonly accessToken: string;
  /** An organization the user owns. */
  readonly orgId: string;
}

/** A running deployment to fuzz. */
export interface FuzzTarget {
  readonly platform: TestPlatform;
  readonly processes: ReadonlyMap<ServiceName, ServiceProcess>;
  /** Headers carrying a valid service token of `caller`. */
  serviceCredentials(caller: ServiceName): Promise<Record<string, string>>;
  /** Registers and signs in a fresh user with an organization of their own (the fuzz's calls may log one out, or change its password). */
  newUser(): Promise<FuzzUser>;
  /** Each service's grpc.health.v1 Check answer ("SERVING", or what went wrong). */
  health(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** Starts every service as a child process in a fresh deployment. */
export async function startFuzzTarget(): Promise<FuzzTarget> {
  const platform = await TestPlatform.create(undefined, {
    // The fuzz's own logins fail by the hundred: no lockout may stop it signing users in.
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_IP: "1000000",
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000000",
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT_CLIENT: "1000000",
    JUNCTION_AUTH_RESET_PASSWORD_COOLDOWN: "0s",
    LOG_LEVEL: "error",
  });
  const processes = new Map<ServiceName, ServiceProcess>();
  try {
    // Auth first: the others fetch its keys. Then the rest together.
    const start = async (name: ServiceName) => processes.set(name, await ServiceProcess.start(name, Number(new URL(platform.url(name)).port), platform.env));
    await start("auth");
    await Promise.all(serviceNames.filter((name) => name !== "auth").map(start));
  } catch (error) {
    await Promise.all([...processes.values()].map((p) => p.kill("SIGKILL")));
    await platform.close();
    throw error;
  }
  const secret = new TextEncoder().encode(platform.env.JUNCTION_SERVICE_SECRET);
  const issuers = new Map(serviceNames.map((name) => [name, createServiceTokenIssuer(name, secret)]));
  const transport = (name: ServiceName) => createGrpcTransport({ baseUrl: platform.url(name) });
  const auth = createClient(AuthService, transport("auth"));
  const orgs = createClient(OrgsService, transport("orgs"));
  return {
    platform,
    processes,
    serviceCredentials: async (caller) => ({ [SERVICE_TOKEN_HEADER]: await issuers.get(caller)!.token() }),
    async newUser() {
      const email = uniqueEmail("protocol-fuzz");
      const { userId } = await auth.register({ email, password: PASSWORD, displayName: "Fuzz" });
      const { accessToken } = await auth.login({ email, password: PASSWORD });
      const { organization } = await orgs.createOrganization({ name: "Fuzz" }, { headers: { authorization: `Bearer ${accessToken}` } });
      return { userId, email, accessToken, orgId: organization!.orgId };
    },
    async health() {
      const checks = await Promise.all(
        serviceNames.map(async (name) => {
          const answer = await createClient(Health, transport(name))
            .check({ service: "" }, { timeoutMs: 5000 })
            .then((res) => HealthCheckResponse_ServingStatus[res.status], (error: unknown) => String(error));
          return [name, processes.get(name)!.alive ? answer : `process gone (${answer})`] as const;
        }),
      );
      return Object.fromEntries(checks);
    },
    async close() {
      await Promise.all([...processes.values()].map((p) => p.kill("SIGTERM")));
      await platform.close();
    },
  };
}
