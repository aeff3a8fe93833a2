// google.api.http path templates: "/v1/users/{user_id}/profile", "/v1/{name=orgs/*/members/*}",
// "/v1/notifications/{notification_id}:read". A template compiles to a matcher that returns
// the field values its variables capture.

/** A variable of a template: the request field it fills (dotted proto path). */
export interface TemplateVariable {
  readonly fieldPath: string;
}

/** A compiled path template. */
export interface PathTemplate {
  readonly source: string;
  readonly variables: readonly TemplateVariable[];
  /** How many literal segments it has; more literals match first. */
  readonly literalCount: number;
  /** The whole-path pattern it compiles to (RE2-compatible, so Envoy can route on it too). */
  readonly regex: RegExp;
  /** Field values captured from `path`, or undefined when it does not match. */
  match(path: string): Map<string, string> | undefined;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Thrown for a template that is not valid google.api.http syntax. */
export class PathTemplateError extends Error {
  override name = "PathTemplateError";
}

/** Compiles a google.api.http path template. */
export function compilePathTemplate(source: string): PathTemplate {
  if (!source.startsWith("/")) throw new PathTemplateError(`path template must start with "/": ${source}`);
  let body = source.slice(1);
  let verb = "";
  const lastSlash = body.lastIndexOf("/");
  const lastBrace = body.lastIndexOf("}");
  const colon = body.lastIndexOf(":");
  if (colon > lastSlash && colon > lastBrace) {
    verb = body.slice(colon + 1);
    body = body.slice(0, colon);
  }
  const variables: TemplateVariable[] = [];
  let literalCount = 0;
  const segmentPattern = (segment: string): string => {
    if (segment === "*") return "[^/]+";
    if (segment === "**") return ".+";
    literalCount++;
    return escapeRegex(segment);
  };
  const parts: string[] = [];
  for (const token of splitTopLevel(body, source)) {
    if (token.startsWith("{")) {
      const inner = token.slice(1, -1);
      const [fieldPath, pattern = "*"] = inner.split("=", 2) as [string, string?];
      if (!IDENT.test(fieldPath)) throw new PathTemplateError(`bad variable "${inner}" in ${source}`);
      variables.push({ fieldPath });
      parts.push(`(${pattern.split("/").map(segmentPattern).join("/")})`);
    } else {
      parts.push(segmentPattern(token));
    }
  }
  const regex = new RegExp(`^/${parts.join("/")}${verb ? `:${escapeRegex(verb)}` : ""}$`);
  return {
    source,
    variables,
    literalCount,
    regex,
    match(path) {
      const m = regex.exec(path);
      if (!m) return undefined;
      const values = new Map<string, string>();
      variables.forEach((variable, i) => {
        values.set(variable.fieldPath, m[i + 1]!.split("/").map(decodeURIComponent).join("/"));
      });
      return values;
    },
  };
}

/** Splits "a/{x=b/*}/c" at the slashes that are not inside a variable. */
function splitTopLevel(body: string, source: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of body) {
    if (char === "{") depth++;
    if (char === "}") depth--;
    if (depth < 0 || depth > 1) throw new PathTemplateError(`unbalanced braces in ${source}`);
    if (char === "/" && depth === 0) {
      tokens.push(current);
      current = "";
    } else current += char;
  }
  if (depth !== 0) throw new PathTemplateError(`unbalanced braces in ${source}`);
  tokens.push(current);
  if (tokens.some((t) => t === "")) throw new PathTemplateError(`empty segment in ${source}`);
  return tokens;
}
