// The REST routes of the public services, read from the google.api.http annotations in the
// generated descriptors (including additional_bindings): nothing is written per RPC.
import { getOption, hasOption, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { http } from "@junction/gen/google/api/annotations_pb";
import type { HttpRule } from "@junction/gen/google/api/http_pb";
import { compilePathTemplate, type PathTemplate } from "./path-template.js";

/** One REST binding of a unary RPC. */
export interface RestRoute {
  readonly httpMethod: string;
  readonly template: PathTemplate;
  /** "" (no body), "*" (the whole request) or a top-level request field name. */
  readonly body: string;
  /** "" (the whole response) or a top-level response field name. */
  readonly responseBody: string;
  readonly method: DescMethod;
}

/** A route match: the route and the field values its path captured. */
export interface RouteMatch {
  readonly route: RestRoute;
  readonly pathValues: Map<string, string>;
}

function bindings(rule: HttpRule): HttpRule[] {
  return [rule, ...rule.additionalBindings.flatMap(bindings)];
}

/** The REST routes of every unary method of `services`, most specific first. */
export class RouteTable {
  readonly routes: readonly RestRoute[];

  constructor(services: readonly DescService[]) {
    const routes: RestRoute[] = [];
    for (const service of services) {
      for (const method of service.methods) {
        if (method.methodKind !== "unary" || !hasOption(method, http)) continue;
        for (const rule of bindings(getOption(method, http))) {
          const { pattern } = rule;
          if (pattern.case === undefined) continue;
          const [httpMethod, path] =
            pattern.case === "custom" ? [pattern.value.kind.toUpperCase(), pattern.value.path] : [pattern.case.toUpperCase(), pattern.value];
          routes.push({ httpMethod, template: compilePathTemplate(path), body: rule.body, responseBody: rule.responseBody, method });
        }
      }
    }
    this.routes = routes.sort((a, b) => b.template.literalCount - a.template.literalCount);
  }

  /** The route for `httpMethod` and `path`; `allowed` lists the methods the path has when only the verb is wrong. */
  find(httpMethod: string, path: string): RouteMatch | { allowed: string[] } | undefined {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const pathValues = route.template.match(path);
      if (!pathValues) continue;
      if (route.httpMethod === httpMethod) return { route, pathValues };
      allowed.push(route.httpMethod);
    }
    return allowed.length > 0 ? { allowed } : undefined;
  }
}
