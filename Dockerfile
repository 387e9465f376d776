# One image for every role: `gochat start <role>` picks what a container runs (see compose.yaml).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY drizzle/package.json ./drizzle/package.json
COPY clients/web/package.json ./clients/web/package.json
# npm ci runs the postinstall: it applies patches/ (patch-package) and calls prepare-web.ts (which
# finds no web client sources here and skips).
COPY patches ./patches
COPY scripts/prepare-web.ts ./scripts/prepare-web.ts
RUN npm ci --omit=dev --ignore-scripts=false && npm cache clean --force

# The web client the router serves at / (clients/web, Vite): built with the dev dependencies; only
# its dist/ goes into the image.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY drizzle/package.json ./drizzle/package.json
COPY clients/web ./clients/web
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build:web

FROM node:20-bookworm-slim
# NODE_ENV=production: no GraphiQL, no introspection, /metrics on port 9464 only (docs/decisions/0026).
ENV NODE_ENV=production HOST=0.0.0.0
EXPOSE 9464
# ffprobe and ffmpeg: duration, dimensions and poster frames of uploaded audio and video (the media role).
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=web /app/clients/web/dist ./clients/web/dist
COPY package.json package-lock.json ./
COPY bin ./bin
COPY cli ./cli
COPY packages ./packages
COPY drizzle ./drizzle
COPY subgraphs ./subgraphs
COPY router ./router
COPY workers ./workers
COPY sfu ./sfu
COPY supergraph ./supergraph
# The embedded database's template (decision 0040), made here because the dependency stage has no
# migrations yet; the image's user cannot write node_modules at run time. (The rest of postinstall
# builds the web client, which the web stage did.)
RUN npx tsx packages/db/src/prepare-template.ts
USER node
ENTRYPOINT ["node", "bin/gochat.js"]
CMD ["start"]
