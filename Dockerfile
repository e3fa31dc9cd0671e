# The image the worker (and, with another command, the API) runs from.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm install --no-save tsx
COPY machines machines
COPY workflows workflows
COPY activities activities
COPY src src
COPY bin bin
COPY tsconfig.json ./
ENV NODE_ENV=production
CMD ["npm", "run", "worker"]
