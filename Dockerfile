# The image the worker and the API run from (docker-compose.yml): `npm run worker` by default,
# `npm run api` for the HTTP API and web page. TypeScript runs through tsx, a runtime dependency.
FROM node:24.21.0-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY machines machines
COPY workflows workflows
COPY activities activities
COPY src src
COPY bin bin
COPY tsconfig.json ./
# No state on disk: workflow state lives in Temporal, so any container can be killed or replaced.
USER node
CMD ["npm", "run", "worker"]
