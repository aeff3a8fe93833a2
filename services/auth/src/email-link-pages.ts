// The pages behind the links in auth's emails, so a click completes the flow without a web app:
// GET /verify-email?token=… verifies the address; GET /reset-password?token=… shows a form whose
// POST sets the new password. Both edges route these paths to auth (manifest.yaml, `pages`).
// Pages are plain HTML without scripts; every value shown is escaped.
import type http from "node:http";
import type http2 from "node:http2";
import { ConnectError } from "@connectrpc/connect";
import { fieldViolations, type HttpHandler, type Logger } from "@junction/platform";
import type { AuthContext } from "./context.js";
import { resetPassword } from "./password-reset.js";
import { verifyEmail } from "./registration.js";

/** Where the verification link points. */
export const VERIFY_EMAIL_PAGE = "/verify-email";
/** Where the password-reset link points. */
export const RESET_PASSWORD_PAGE = "/reset-password";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

const MAX_FORM_BYTES = 4096;

/** The routes of both pages. */
export function emailLinkPages(ctx: AuthContext): Record<string, HttpHandler> {
  return {
    [VERIFY_EMAIL_PAGE]: (req, res) => void answer(req, res, ctx.logger, () => verifyPage(ctx, req)),
    [RESET_PASSWORD_PAGE]: (req, res) => void answer(req, res, ctx.logger, () => resetPage(ctx, req)),
  };
}

interface Page {
  readonly status: number;
  readonly title: string;
  readonly body: string;
}

async function verifyPage(ctx: AuthContext, req: Request): Promise<Page> {
  if (req.method !== "GET" && req.method !== "HEAD") return notAllowed();
  const token = tokenOf(req);
  try {
    await verifyEmail(ctx, token);
    return { status: 200, title: "Email address verified", body: "<p>Thank you: your email address is verified. You can close this page.</p>" };
  } catch (error) {
    return refused(error, "This verification link is invalid, already used or expired. Sign in and ask for a new one.");
  }
}

async function resetPage(ctx: AuthContext, req: Request): Promise<Page> {
  if (req.method === "GET" || req.method === "HEAD") return resetForm(tokenOf(req));
  if (req.method !== "POST") return notAllowed();
  const form = new URLSearchParams(await readForm(req));
  const token = form.get("token") ?? "";
  try {
    await resetPassword(ctx, token, form.get("new_password") ?? "");
    return { status: 200, title: "Password changed", body: "<p>Your password is changed and every session was signed out. Sign in with the new one.</p>" };
  } catch (error) {
    const problems = fieldViolations(error);
    if (problems.some((p) => p.field === "new_password")) return resetForm(token, problems.map((p) => p.description).join("; "));
    return refused(error, "This reset link is invalid, already used or expired. Ask for a new one.");
  }
}

function resetForm(token: string, problem?: string): Page {
  return {
    status: problem ? 400 : 200,
    title: "Choose a new password",
    body: `${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ""}<form method="post" action="${RESET_PASSWORD_PAGE}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label>New password <input type="password" name="new_password" autocomplete="new-password" minlength="8" required></label>
<button type="submit">Set password</button></form>`,
  };
}

function refused(error: unknown, message: string): Page {
  if (!(error instanceof ConnectError) || fieldViolations(error).length === 0) throw error;
  return { status: 400, title: "Link not valid", body: `<p>${escapeHtml(message)}</p>` };
}

function notAllowed(): Page {
  return { status: 405, title: "Method not allowed", body: "<p>This page only answers GET (and POST for the form).</p>" };
}

function tokenOf(req: Request): string {
  return new URL(req.url ?? "/", "http://page").searchParams.get("token") ?? "";
}

async function readForm(req: Request): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FormTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

class FormTooLarge extends Error {}

async function answer(req: Request, res: Response, logger: Logger, render: () => Promise<Page>): Promise<void> {
  let page: Page;
  try {
    page = await render();
  } catch (error) {
    if (error instanceof FormTooLarge) page = { status: 413, title: "Too large", body: "<p>The form is too large.</p>" };
    else {
      logger.error({ err: error }, "email link page failed");
      page = { status: 503, title: "Try again", body: "<p>Something went wrong on our side. Try the link again in a moment.</p>" };
    }
  }
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(page.title)} · Junction</title></head><body><h1>${escapeHtml(page.title)}</h1>${page.body}</body></html>`;
  (res as http.ServerResponse).writeHead(page.status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; form-action 'self'",
    "referrer-policy": "no-referrer",
  });
  if (req.method === "HEAD") res.end();
  else res.end(html);
}

/** `text` safe inside HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
