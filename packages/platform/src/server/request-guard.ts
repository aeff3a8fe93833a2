// No request may end a process. Whatever a handler throws, synchronously or from its promise, is
// answered here in the caller's protocol and logged: a request target that does not parse (a bad
// percent-escape, a URL that is no URL) is the caller's mistake, INVALID_ARGUMENT; anything else
// is a bug of ours, INTERNAL without details. A response already under way is cut instead.
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import { sendCallerError } from "./caller-error.js";
import type { HttpHandler } from "./service-server.js";

/** Whether `error` says the request's URL could not be parsed or decoded. */
function malformedTarget(error: unknown): boolean {
  return error instanceof URIError || (error instanceof TypeError && (error as { code?: string }).code === "ERR_INVALID_URL");
}

/** `handler`, with every error it throws or rejects with answered in the caller's protocol instead of reaching the process. */
export function answeringThrows(handler: HttpHandler, logger: Logger): HttpHandler {
  return (req, res) => {
    const fail = (error: unknown) => {
      const callerMistake = malformedTarget(error);
      if (callerMistake) logger.info({ err: error, method: req.method }, "malformed request target");
      else logger.error({ err: error, method: req.method, path: (req.url ?? "").split("?")[0] }, "request handler failed");
      if (res.headersSent || res.writableEnded) {
        res.destroy();
        return;
      }
      const answer = callerMistake ? new ConnectError("the request target is malformed", Code.InvalidArgument) : new ConnectError("internal error", Code.Internal);
      try {
        sendCallerError(req, res, answer);
      } catch (sendError) {
        logger.error({ err: sendError }, "could not answer a failed request");
        res.destroy();
      }
    };
    try {
      const result = handler(req, res) as unknown;
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}
