// The access check of an RPC made on its headers, before its body is read, as Envoy's jwt_authn
// makes it: a call that needs a token and brings none, or an invalid one, is refused before the
// edge reads, inflates or decodes a byte of its message. The admission interceptor (access.ts)
// stays: it is what a call that passes here meets once connect has decoded it.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { type AccessTokenVerifier, asClientError, type HttpHandler, sendCallerError } from "@junction/platform";
import { admit } from "./access.js";

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** `next`, behind an access check on the headers of every call to a method of `services`. */
export function admittedBeforeBody(services: readonly DescService[], verifier: AccessTokenVerifier, next: HttpHandler): HttpHandler {
  const methods = new Map<string, DescMethod>(services.flatMap((service) => service.methods.map((method) => [`/${service.typeName}/${method.name}`, method] as const)));
  return async (req, res) => {
    const method = methods.get((req.url ?? "").split("?")[0]!);
    if (method) {
      // The realm names the URL as connect sees it, as the interceptor's does.
      const authority = first(req.headers.host) ?? first(req.headers[":authority"]);
      try {
        await admit(method, first(req.headers.authorization), verifier, `http://${authority}${req.url}`);
      } catch (error) {
        return sendCallerError(req, res, asClientError(error));
      }
    }
    return next(req, res);
  };
}
