# The image the worker and the API run from (docker-compose.yml): compiled JavaScript on plain Node,
# no TypeScript tooling at run time. The Node release is the one package.json pins (the `node`
# package); test/runtime/node.test.ts checks that every stage below uses it.

# Build: every dependency (TypeScript, tsx, the webpack bundler), then `npm run build`, which
# compiles src/, workflows/, activities/ and machines/ into dist/ and bundles the workflow code once
# into dist/workflow-bundle.js.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY machines machines
COPY workflows workflows
COPY activities activities
COPY src src
COPY scripts/build-workflow-bundle.ts scripts/
RUN npm run build

# Run: production dependencies only, and the build's output.
FROM node:24.21.0-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
# No state on disk: workflow state lives in Temporal, so any container can be killed or replaced.
USER node
# A worker by default (it loads dist/workflow-bundle.js and never bundles at start); the API is
# `node dist/src/apiMain.js`. Node runs directly so it receives SIGTERM and shuts down gracefully.
# The heap cap keeps the worker under 1 GiB with its default cache of 100 components (bench/README.md).
CMD ["node", "--max-old-space-size=640", "dist/src/workerMain.js"]
