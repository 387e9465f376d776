# One image for every role: `gochat start <role>` picks what a container runs (see compose.yaml).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY drizzle/package.json ./drizzle/package.json
RUN npm ci --omit=dev --ignore-scripts=false && npm cache clean --force

FROM node:20-bookworm-slim
# NODE_ENV=production: no GraphiQL, no introspection, /metrics on port 9464 only (docs/decisions/0026).
ENV NODE_ENV=production HOST=0.0.0.0
EXPOSE 9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY cli ./cli
COPY packages ./packages
COPY drizzle ./drizzle
COPY subgraphs ./subgraphs
COPY router ./router
COPY workers ./workers
COPY supergraph ./supergraph
# The embedded database's template (decision 0040), made here because the dependency stage has no
# migrations yet; the image's user cannot write node_modules at run time.
RUN npm run postinstall
USER node
ENTRYPOINT ["node", "bin/gochat.js"]
CMD ["start"]
