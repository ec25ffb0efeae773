# The four Bun services (user, product, inventory, order), one image each from
# this one Dockerfile; the build argument SERVICE selects which. Build context:
# the repo root (see /.dockerignore: sources and manifests only).
#
# BUN_IMAGE is the official oven/bun image; compose.ci.yaml passes a stand-in
# built locally (local/bun:ci), since no registry can be reached in CI.
ARG BUN_IMAGE=oven/bun:1.4.5
FROM ${BUN_IMAGE}

WORKDIR /home/bun/app
ENV NODE_ENV=production
# kafkajs sets a timer Bun reports as a TimeoutNegativeWarning; it is harmless noise in the logs.
ENV NODE_NO_WARNINGS=1

# Dependencies first (one layer shared by the four images): the workspace
# manifests and the lockfile, production dependencies only.
COPY package.json package-lock.json bunfig.toml tsconfig.json ./
COPY shared/package.json shared/
COPY user/package.json user/
COPY product/package.json product/
COPY inventory/package.json inventory/
COPY order/package.json order/
RUN bun install --production --frozen-lockfile && rm -rf /root/.bun/install/cache

COPY shared/ shared/

ARG SERVICE
RUN case "$SERVICE" in \
      user|product|inventory|order) ;; \
      *) echo "build arg SERVICE must be user, product, inventory or order (got '$SERVICE')" >&2; exit 1 ;; \
    esac
COPY ${SERVICE}/ ${SERVICE}/
ENV SERVICE=${SERVICE}

USER bun
CMD ["/bin/sh", "-c", "exec bun \"$SERVICE/src/main.ts\""]
