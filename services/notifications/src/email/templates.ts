// The emails Junction sends: subject, plain text and HTML of each, from one description, so
// the two bodies never say different things. Everything interpolated into HTML is escaped.

/** A rendered email. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The parts every email has: a greeting, paragraphs, an optional button, a closing note. */
interface EmailContent {
  subject: string;
  greeting: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  footnote?: string;
}

/** Please confirm your address: carries the verification link. */
export function verificationEmail(input: { displayName: string; email: string; link: string; expires?: Date }): RenderedEmail {
  return render({
    subject: "Verify your email address",
    greeting: `Hi ${input.displayName || input.email},`,
    paragraphs: [`Please confirm that ${input.email} is your email address for Junction.`],
    action: { label: "Verify email address", url: input.link },
    footnote: `${expiry(input.expires)}If you did not create a Junction account, you can ignore this email.`,
  });
}

/** A password reset was asked for: carries the reset link. */
export function passwordResetEmail(input: { displayName: string; email: string; link: string; expires?: Date }): RenderedEmail {
  return render({
    subject: "Reset your Junction password",
    greeting: `Hi ${input.displayName || input.email},`,
    paragraphs: ["Someone asked to reset the password of your Junction account. Choose a new password with this link:"],
    action: { label: "Choose a new password", url: input.link },
    footnote: `${expiry(input.expires)}If it was not you, ignore this email: your password stays as it is.`,
  });
}

/** A notice that also goes out as an email (membership and role changes). */
export function noticeEmail(input: { displayName: string; title: string; body: string; link: string }): RenderedEmail {
  return render({
    subject: input.title,
    greeting: `Hi ${input.displayName},`,
    paragraphs: [input.body],
    action: { label: "Open Junction", url: input.link },
  });
}

function expiry(expires: Date | undefined): string {
  return expires ? `The link works once and expires at ${expires.toISOString().replace("T", " ").slice(0, 16)} UTC. ` : "The link works once. ";
}

function render(content: EmailContent): RenderedEmail {
  const text = [
    content.greeting,
    ...content.paragraphs,
    ...(content.action ? [`${content.action.label}: ${content.action.url}`] : []),
    ...(content.footnote ? [content.footnote] : []),
    "— Junction",
  ].join("\n\n");
  const button = content.action
    ? `<p><a href="${escapeHtml(content.action.url)}" style="display:inline-block;padding:10px 16px;background:#1f6feb;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(content.action.label)}</a></p>\n<p style="font-size:12px;color:#57606a">Or paste this link into your browser: ${escapeHtml(content.action.url)}</p>`
    : "";
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328">
<p>${escapeHtml(content.greeting)}</p>
${content.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
${button}
${content.footnote ? `<p style="font-size:12px;color:#57606a">${escapeHtml(content.footnote)}</p>` : ""}
<p>— Junction</p>
</body></html>
`;
  return { subject: content.subject, text, html };
}

/** `value` safe inside HTML text and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
