#!/usr/bin/env bash
# Prepares what docker-compose.yml builds from: the app build context in docker/context/ (the reference and the
# upstream agent precompiled to JS, with their run-time packages) and, unless --public is given, a FROM-scratch
# base image made of this host's node (tagged h1pc-base-node:local) for machines without a registry.
# The suite's own docker runs (npm run conformance -- --env docker) build everything they need themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./node_modules/.bin/node -r ts-node/register/transpile-only harness/docker/compose_context.ts "$@"
