# syntax=docker/dockerfile:1
# Strata broker image: multi-stage (build with dev dependencies, run with production ones only), non-root.
#   docker build -t strata:local .
#   docker run -p 8080:8080 -p 1883:1883 -p 9092:9092 strata:local
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    STRATA_HOST=0.0.0.0 \
    STRATA_DATA_DIR=/var/lib/strata
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The data dir holds the embedded fs store (no S3 configured) and the SSD cache tier.
RUN mkdir -p /var/lib/strata && chown node:node /var/lib/strata
USER node
VOLUME ["/var/lib/strata"]
# HTTP (health, metrics, API), MQTT, Kafka.
EXPOSE 8080 1883 9092
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.STRATA_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM from `docker stop` triggers a graceful shutdown (node is PID 1 and handles it itself).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/strata.js"]
CMD ["start"]
