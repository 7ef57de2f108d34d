#!/usr/bin/env bash
# Installs the third-party proxies the conformance matrix runs against (Debian packages: nginx, haproxy, caddy,
# apache2), idempotently: apt-get update runs once and only when a package is missing; a machine that already has
# them is left as it is. The harness runs each proxy itself as a foreground process on loopback with its own config,
# so the distro services must not run: Debian's postinst scripts start them (holding port 80), and this script stops
# any such daemon right after the install. Prints each proxy's version at the end.
set -euo pipefail

# binary -> Debian package
declare -A PACKAGE_OF=([nginx]=nginx [haproxy]=haproxy [caddy]=caddy [apache2]=apache2)

SUDO=''
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO='sudo'; else
    echo "install-proxies: need root (or sudo) to run apt-get" >&2
    exit 1
  fi
fi

has_binary() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}

missing=()
for bin in nginx haproxy caddy apache2; do
  has_binary "$bin" || missing+=("${PACKAGE_OF[$bin]}")
done

# Pids of proxy daemons, less those the harness runs (their command line names an h1pc- temp dir). The ones running
# before the install are the machine owner's, not ours to stop.
daemon_pids() {
  for name in nginx haproxy caddy apache2 httpd; do
    for pid in $(pgrep -x "$name" 2>/dev/null || true); do
      tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep 'h1pc-' >/dev/null || echo "$pid"
    done
  done | sort
}
before="$(daemon_pids)"

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-proxies: installing ${missing[*]}"
  # policy-rc.d exit 101 tells invoke-rc.d not to start services; a no-op where systemd/init is absent.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    created_policy=1
  fi
  trap 'if [ "$created_policy" -eq 1 ]; then $SUDO rm -f "$policy"; fi' EXIT
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-proxies: nginx, haproxy, caddy and apache2 are already installed"
fi

# Stop daemons the packages may have started anyway (postinst without policy-rc.d, or a service manager).
after="$(daemon_pids)"
stray="$(comm -13 <(echo "$before") <(echo "$after") | grep -v '^$' || true)"
if [ -n "$stray" ]; then
  echo "install-proxies: stopping daemons started by the packages: $(echo "$stray" | tr '\n' ' ')"
  for pid in $stray; do $SUDO kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=''
    for pid in $stray; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in $alive; do $SUDO kill -KILL "$pid" 2>/dev/null || true; done
fi

echo "install-proxies: versions"
# First lines are taken with sed -n 1p, which reads to the end: `head -1` closes the pipe early, the proxy dies of
# SIGPIPE and pipefail turns that into exit 141 (it failed CI once, depending on pipe timing).
nginx -v 2>&1 | sed 's/^/  /'
haproxy -v 2>&1 | sed -n '1s/^/  /p'
caddy version 2>&1 | sed 's/^/  caddy /'
apache2 -v 2>&1 | sed -n '1s/^/  /p'
