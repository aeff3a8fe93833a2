# One image recipe for every Junction service; the service is chosen at build time:
#
#   docker build --build-arg SERVICE=auth -t junction-auth .
#
# docker-compose.yml builds each service this way. The image compiles the workspaces (npm run
# build) and runs the service's bundle (one ES module, built by esbuild in npm run build) with
# plain node; tsx is for development.

ARG NODE_IMAGE=node:20-slim

# Only the package manifests, so the dependency layer below is rebuilt when they change and
# not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -type d -empty -delete

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<auth|users|orgs|notifications|audit>" >&2; exit 1; }
WORKDIR /app
# Code and dependencies stay owned by root and read-only to the service; it may write only var/.
COPY --from=deps /app/ ./
COPY . .
RUN test -f "services/${SERVICE}/package.json" || { echo "services/${SERVICE} does not exist yet" >&2; exit 1; } \
 && npm run build \
 && mkdir -p var/mail \
 && chown -R node:node var
USER node
# The process settings of tools/src/local-run/node-runtime.ts (npm start uses the same): the
# environment here, the node flags on the command line (NODE_OPTIONS refuses V8's --liftoff-only).
ENV JUNCTION_SERVICE=${SERVICE} \
    JUNCTION_BIND_HOST=0.0.0.0 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_TRIM_THRESHOLD_=131072
# The service's bundle, where its compiled entry point would be (dist/ mirrors the repository).
CMD ["sh", "-c", "exec node --max-semi-space-size=4 --liftoff-only \"dist/services/${JUNCTION_SERVICE}/src/main.js\""]
