#!/bin/sh
# As in the official oven/bun image: `docker run IMAGE --version` or
# `docker run IMAGE file.ts` runs bun; any other command runs as given.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1" || true)" ]; then
  set -- bun "$@"
fi
exec "$@"
