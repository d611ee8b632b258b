# One image for every Driftline service; the compose file picks the entry
# point per container. TypeScript runs through tsx (a runtime dependency),
# so there is no separate build step to drift out of sync with the sources.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production KAFKAJS_NO_PARTITIONER_WARNING=1
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY bin ./bin
COPY libs ./libs
COPY services ./services
COPY simulators ./simulators
COPY migrations ./migrations
USER node
CMD ["node", "bin/driftline.mjs", "--help"]
