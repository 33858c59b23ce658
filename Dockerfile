# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript in a full image, run the compiled JS as a non-root user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Botkit (optional bridge) is left out of the image; it pulls in the retired Bot Framework SDK.
RUN npm ci --no-audit --no-fund --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    PATRON_USE_DIST=1 \
    DOTENV_CONFIG_QUIET=true
WORKDIR /app
RUN groupadd --system patron && useradd --system --gid patron --home /app patron \
    && mkdir -p /data && chown patron:patron /data
COPY --from=build --chown=patron:patron /app/node_modules ./node_modules
COPY --from=build --chown=patron:patron /app/dist ./dist
COPY --chown=patron:patron package.json ./
COPY --chown=patron:patron bin ./bin
COPY --chown=patron:patron config ./config
COPY --chown=patron:patron web ./web
USER patron
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node directly (exec form), which drains turns and the outbox before exiting.
CMD ["node", "bin/patron.js", "start"]
