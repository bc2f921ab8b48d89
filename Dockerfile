# syntax=docker/dockerfile:1
# Berth's controller image. Completed by the packaging work (kustomize and helm
# binaries, chart); the shape is fixed here: Node 24 slim, production
# dependencies only, non-root, writable cache declared as a volume.
FROM node:24-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production BERTH_CACHE_DIR=/var/cache/berth
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY sync ./sync
COPY diff ./diff
COPY health ./health
COPY webhooks ./webhooks
USER 65532:65532
VOLUME ["/var/cache/berth"]
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["controller"]
