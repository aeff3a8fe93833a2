// A whole account's life through the edge's REST routes: register, verify the email, log in,
// refresh, reset the password, log in again, log out. Returns every secret it handled, so a test
// can look for them where they must never appear (logs, dead letters).
import { linkIn, waitForMail } from "./mail-outbox.js";

/** What the flow did and every secret it saw. */
export interface AccountFlow {
  readonly email: string;
  readonly userId: string;
  readonly secrets: Record<string, string>;
}

async function call(edgeUrl: string, path: string, body: unknown, token?: string): Promise<Record<string, string>> {
  const res = await fetch(`${edgeUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as Record<string, string>;
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Runs the flow for a new account `email` through the edge at `edgeUrl`, reading mail from `mailDir`. */
export async function runAccountFlow(edgeUrl: string, mailDir: string, email: string): Promise<AccountFlow> {
  const password = `first-${crypto.randomUUID()}`;
  const newPassword = `second-${crypto.randomUUID()}`;
  const { userId } = await call(edgeUrl, "/v1/auth/register", { email, password, display_name: "Flow" });
  const mailTo = (kind: string) => waitForMail(mailDir, (m) => m.headers.to?.includes(email) === true && m.decoded.includes(kind), `the ${kind} email`, 45_000);
  const verificationToken = linkIn(await mailTo("verify-email"), "http").searchParams.get("token")!;
  await call(edgeUrl, "/v1/auth/verify-email", { token: verificationToken });
  const first = await call(edgeUrl, "/v1/auth/login", { email, password });
  const refreshed = await call(edgeUrl, "/v1/auth/refresh", { refresh_token: first.refreshToken });
  await call(edgeUrl, "/v1/auth/password-reset", { email });
  const resetToken = linkIn(await mailTo("reset-password"), "http").searchParams.get("token")!;
  await call(edgeUrl, "/v1/auth/password-reset/confirm", { token: resetToken, new_password: newPassword });
  const second = await call(edgeUrl, "/v1/auth/login", { email, password: newPassword });
  await call(edgeUrl, "/v1/auth/logout", {}, second.accessToken);
  return {
    email,
    userId: userId!,
    secrets: {
      password,
      newPassword,
      verificationToken,
      resetToken,
      firstAccessToken: first.accessToken!,
      firstRefreshToken: first.refreshToken!,
      refreshedAccessToken: refreshed.accessToken!,
      refreshedRefreshToken: refreshed.refreshToken!,
      secondAccessToken: second.accessToken!,
      secondRefreshToken: second.refreshToken!,
    },
  };
}
