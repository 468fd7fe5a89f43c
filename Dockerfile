# mcpo in a container: `docker build -t mcpo .`, then
#   docker run -p 8000:8000 -e MCPO_API_KEY=top-secret mcpo -- npx -y @modelcontextprotocol/server-memory
#   docker run -p 8000:8000 -e MCPO_API_KEY=top-secret -v "$PWD/config.json:/config.json:ro" mcpo --config /config.json
# It listens on 0.0.0.0 (a later --host overrides it), so it refuses to start without
# MCPO_API_KEY or --api-key (or --allow-unauthenticated).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY lib ./lib
COPY bin ./bin
# --ignore-scripts: "prepare" would build before the sources are complete; build explicitly instead.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8000
ENTRYPOINT ["node", "/app/dist/bin/mcpo.js", "--host", "0.0.0.0"]
CMD ["--help"]
