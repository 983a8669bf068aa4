# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production ones only, as a non-root user.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` seed is for the embedded dev database, which production does not use.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json .swcrc ./
COPY src ./src
COPY migrations ./migrations
COPY catalog ./catalog
COPY demo ./demo
COPY console ./console
COPY scripts/prune-runtime.js ./scripts/prune-runtime.js
# Production dependencies only, then without what the runtime never loads (the TypeScript compiler, ts-node/swc,
# type declarations, source maps, PGlite's extensions): node_modules 175 MiB -> 66 MiB (apparent size) as of
# this writing; the build prints the figures.
RUN npm run build && npm prune --omit=dev && node scripts/prune-runtime.js

FROM node:24-bookworm-slim AS runtime
# HOST: outside production the app binds 127.0.0.1 by default; in a container it must listen on every interface.
ENV NODE_ENV=production PORT=8000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/catalog ./catalog
COPY --from=build --chown=node:node /app/demo ./demo
COPY --from=build --chown=node:node /app/console ./console
COPY --chown=node:node package.json ./
# Operator commands (npm run migration:run, admin:create, credits:verify, …) run dist/ through scripts/run.js.
COPY --chown=node:node scripts/run.js ./scripts/run.js
# Writable only where the app writes (the emulator's demo state, if it is ever used outside production).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8000/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
