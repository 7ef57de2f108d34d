#!/usr/bin/env bash
# Runs the conformance suite against nginx through the generic `command` adapter, as you would for a proxy that
# has no adapter of its own. Extra arguments go to the CLI (e.g. --tags @core).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONFORMANCE_COMMAND='exec nginx -p {{temp_dir}}/ -e stderr -c {{config_path}}'
export CONFORMANCE_CONFIG_TEMPLATE=examples/command-adapter/nginx.conf.tmpl
# Only what the template configures: no header routing, no downstream timeouts, no limits.
export CONFORMANCE_CAPABILITIES=route-exact-path,per-route-timeout,response-timeout,upstream-keepalive
export CONFORMANCE_PROXY_NAME=nginx-via-command
export CONFORMANCE_VERSION_COMMAND='nginx -v 2>&1 | sed "s/.*nginx\///"'
exec ./node_modules/.bin/node -r ts-node/register/transpile-only harness/cli/conformance.ts --target command \
  --report-dir reports/command "$@"
