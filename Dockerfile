# BabyBot itself (not the agent's sandbox image, which is container/): one image for the
# channel process (`babybot start --only channel`) and the worker processes
# (`babybot worker --queues …`); docker-compose.yml runs both from it.
#
#   docker build -t babybot .
#   docker build --build-arg BASE_IMAGE=babybot-node-base:bookworm --network host -t babybot .
#
# BASE_IMAGE must bring Node.js >= 20.3 (the Temporal SDK needs it) on Debian bookworm.
# Where no image can be pulled, scripts/build-node-base-image.sh builds one from Debian's
# packages and the machine's own Node.js.
ARG BASE_IMAGE=node:20-bookworm-slim

# Production dependencies. better-sqlite3 is a native module: it is compiled (or its
# prebuilt binary fetched) here, against this image's Node and glibc, never copied from
# the machine that builds, so the image is the same whatever that machine runs.
FROM ${BASE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/stubs ./scripts/stubs
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${BASE_IMAGE}
# uid 1000: the official node images already have it (user `node`); a plain Debian base
# gets a `babybot` user. The agent containers run as 1000 too, so the group folders
# BabyBot creates are writable inside them.
RUN id -u 1000 >/dev/null 2>&1 || useradd --uid 1000 --user-group --create-home babybot
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# .dockerignore lists what the image takes from the checkout (sources only; no data).
COPY . .
# The image has no .git: the commit goes into the build id the workers report to Temporal.
ARG BUILD_COMMIT=unknown
RUN printf '%s\n' "$BUILD_COMMIT" > .build-commit \
  && mkdir -p /var/lib/babybot && chown 1000:1000 /var/lib/babybot
USER 1000:1000
# State lives outside the image; docker-compose.yml mounts it at the same path as on the host.
ENV DATA_DIR=/var/lib/babybot/data GROUPS_DIR=/var/lib/babybot/groups HTTP_HOST=0.0.0.0
EXPOSE 3000
ENTRYPOINT ["node", "bin/babybot.js"]
CMD ["start"]
