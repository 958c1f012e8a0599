#!/usr/bin/env bash
# A real multi-service Temporal cluster for tests/cluster/: the pinned Temporal server
# (the version the pinned CLI embeds) built from its Go module, Debian's PostgreSQL on
# loopback (a cluster of the project's own under .cache/, on its own port, never the
# system's default one), Temporal's schemas set up with its own temporal-sql-tool, the
# frontend, history, matching and worker services as separate processes with 4 history
# shards (deploy/temporal-cluster.yaml, the same file docker-compose.yml uses), BabyBot's
# search attributes registered through the operator API, and the Web UI server.
#
# Idempotent: binaries are built once into ~/.cache/babybot; a running service is left
# alone. Appends BABYBOT_CLUSTER_* to $BABYBOT_TEST_ENV and writes
# .cache/stop-temporal-cluster.sh. Tests stop, SIGKILL and restart single services with
# .cache/temporal-cluster/service.sh (BABYBOT_CLUSTER_CONTROL). Fails loudly.
set -euo pipefail
# shellcheck source=scripts/lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

SERVER_VERSION=1.29.1 # = the server inside the pinned CLI (temporal/cli-binary.ts, v1.5.1)
UI_VERSION=2.42.1     # = the Web UI inside the same CLI
CACHE=${BABYBOT_CACHE_DIR:-$HOME/.cache/babybot}
# The folder names carry the build recipe too (BUILD_RECIPE, bumped when how they are built
# changes), so a binary cached by an older recipe is never reused.
BUILD_RECIPE=r2 # r2: built inside the module that requires the pinned CLI (below)
SERVER_DIR="$CACHE/temporal-server-$SERVER_VERSION-$BUILD_RECIPE"
UI_DIR="$CACHE/temporal-ui-$UI_VERSION-$BUILD_RECIPE"
CLI=${TEMPORAL_CLI:-$CACHE/bin/temporal}
STATE="$ROOT/.cache/temporal-cluster"
# Every port is the usual one plus this offset: frontend 17233, PostgreSQL 15432, UI 18080.
OFFSET=${BABYBOT_CLUSTER_PORT_OFFSET:-10000}
FRONTEND="127.0.0.1:$((7233 + OFFSET))"
PG_PORT=$((5432 + OFFSET))
UI_PORT=$((8080 + OFFSET))
NAMESPACE=default
mkdir -p "$STATE/logs" "$STATE/pids" "$SERVER_DIR" "$UI_DIR"


# The server, its schema tool and the UI server are built inside a small module of our own
# that requires the pinned CLI, so Go picks the CLI's own dependency versions: the CLI
# build (test-all's step before this one) compiled ~1,300 packages with those versions and
# the same flags, and all but ~12 of the packages needed here are among them, so this build
# mostly links. (`go install` of each module on its own picks other versions and, with
# other flags, recompiles nearly everything: ~20 min on 2 cores.) The versions are the
# ones the CLI runs its embedded server with.
BUILD_MODULE="$CACHE/temporal-cluster-build"
CLI_VERSION=1.5.1 # = PINNED_CLI_VERSION in temporal/cli-binary.ts
prepare_build_module() {
  command -v go >/dev/null || { echo "Go is needed to build the Temporal server (https://go.dev/dl, or apt-get install golang)." >&2; exit 1; }
  mkdir -p "$BUILD_MODULE"
  printf '%s\n' 'module babybot.local/temporal-cluster-build' '' 'go 1.25.0' '' 'require (' \
    "	github.com/temporalio/cli v$CLI_VERSION" \
    "	github.com/temporalio/ui-server/v2 v$UI_VERSION" \
    "	go.temporal.io/server v$SERVER_VERSION" ')' >"$BUILD_MODULE/go.mod"
  printf '%s\n' '//go:build tools' '' '// The commands scripts/components/temporal-cluster.sh builds.' 'package tools' '' 'import (' \
    '	_ "github.com/temporalio/cli/cmd/temporal"' \
    '	_ "github.com/temporalio/ui-server/v2/cmd/server"' \
    '	_ "go.temporal.io/server/cmd/server"' \
    '	_ "go.temporal.io/server/cmd/tools/sql"' ')' >"$BUILD_MODULE/tools.go"
  (cd "$BUILD_MODULE" && GOFLAGS=-mod=mod go mod tidy >"$BUILD_MODULE/tidy.log" 2>&1) ||
    { tail -20 "$BUILD_MODULE/tidy.log" >&2; echo "Resolving the Temporal modules failed (log: $BUILD_MODULE/tidy.log)." >&2; exit 1; }
}

# go build -v prints one line per package it compiles: a count once a minute shows a long
# build is alive; the whole log on failure.
go_build() { # log, output, package
  local log=$1 out=$2 pkg=$3 start=$SECONDS
  echo "building $pkg (first time only; log: $log)"
  (cd "$BUILD_MODULE" && GOFLAGS=-mod=mod go build -v -o "$out" "$pkg") >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if [ $(((SECONDS - start) % 60)) -lt 5 ]; then echo "  … $((SECONDS - start))s, $(wc -l <"$log") packages"; fi
  done
  if ! wait "$pid"; then tail -40 "$log" >&2; echo "Building $pkg failed (full log: $log)." >&2; exit 1; fi
  echo "  built in $((SECONDS - start))s"
}

build_server() {
  if [ -x "$SERVER_DIR/bin/temporal-server" ] && [ -x "$SERVER_DIR/bin/temporal-sql-tool" ] && [ -d "$SERVER_DIR/schema/postgresql/v12" ]; then
    return 0
  fi
  prepare_build_module
  mkdir -p "$SERVER_DIR/bin"
  go_build "$SERVER_DIR/build.log" "$SERVER_DIR/bin/temporal-server" go.temporal.io/server/cmd/server
  go_build "$SERVER_DIR/build-sql.log" "$SERVER_DIR/bin/temporal-sql-tool" go.temporal.io/server/cmd/tools/sql
  # The schema files come inside the module; keep a copy next to the binaries.
  local module
  module=$(cd "$BUILD_MODULE" && go list -m -f '{{.Dir}}' go.temporal.io/server)
  rm -rf "$SERVER_DIR/schema" && mkdir -p "$SERVER_DIR/schema"
  cp -r "$module/schema/postgresql" "$SERVER_DIR/schema/"
  chmod -R u+w "$SERVER_DIR/schema"
}

build_ui() {
  [ -x "$UI_DIR/bin/temporal-ui-server" ] && return 0
  prepare_build_module
  mkdir -p "$UI_DIR/bin"
  go_build "$UI_DIR/build.log" "$UI_DIR/bin/temporal-ui-server" github.com/temporalio/ui-server/v2/cmd/server
}

ensure_postgresql() {
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    # The package creates a default cluster; it stays stopped, this one runs on its own port.
    apt_install 'install PostgreSQL (initdb, pg_ctl).' postgresql
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  # PostgreSQL runs as the postgres user when we are root, and it must reach its data folder:
  # a checkout under a folder only root may enter (a `mktemp -d`, /root) keeps it out, so its
  # cluster then lives in postgres's own home, named for this checkout.
  PG_DIR="$STATE/postgres"
  PG_LOG="$STATE/logs/postgresql.log"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$STATE"; then
    local home
    home=$(getent passwd postgres | cut -d: -f6)
    PG_DIR="$home/babybot-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
    PG_LOG="$PG_DIR.log"
  fi
}

write_env() {
  if [ ! -f "$STATE/password" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$STATE/password")
    # A new password is a new cluster: one left in postgres's home by an earlier state of this
    # checkout (its .cache removed) has the old password, so it is made again.
    rm -rf "$PG_DIR" "$PG_LOG"
  fi
  # What every service process reads (deploy/temporal-cluster.yaml is rendered from it).
  cat >"$STATE/cluster.env" <<EOF
ROOT='$ROOT'
STATE='$STATE'
SERVER_BIN='$SERVER_DIR/bin'
UI_BIN='$UI_DIR/bin'
PG_BIN='$PG_BIN'
PG_DIR='$PG_DIR'
PG_LOG='$PG_LOG'
PG_PORT=$PG_PORT
UI_PORT=$UI_PORT
OFFSET=$OFFSET
export TEMPORAL_PORT_OFFSET=$OFFSET
export TEMPORAL_FRONTEND_ADDRESS=$FRONTEND
export TEMPORAL_DYNAMIC_CONFIG='$ROOT/deploy/temporal-dynamic-config.yaml'
export POSTGRES_SEEDS=127.0.0.1
export DB_PORT=$PG_PORT
export POSTGRES_USER=temporal
export POSTGRES_PWD=\$(cat '$STATE/password')
EOF
  chmod 600 "$STATE/cluster.env"
}

# The control script the tests use: service.sh start|stop|kill|restart|pid NAME, NAME one
# of postgresql, frontend, history, matching, worker, ui; `service.sh start all` starts
# whatever is not running.
write_control() {
  cat >"$STATE/service.sh" <<'EOF'
#!/usr/bin/env bash
# Generated by scripts/components/temporal-cluster.sh: starts, stops and SIGKILLs one
# service of the tested Temporal cluster.
set -euo pipefail
source "$(dirname "$0")/cluster.env"
action=${1:?usage: service.sh start|stop|kill|restart|pid NAME}
name=${2:?a service name: postgresql, frontend, history, matching, worker, ui, all}

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_of() {
  case $1 in
    frontend) echo $((7233 + OFFSET)) ;; history) echo $((7234 + OFFSET)) ;;
    # The worker service serves no gRPC: its membership port says it is up.
    matching) echo $((7235 + OFFSET)) ;; worker) echo $((6939 + OFFSET)) ;;
    ui) echo "$UI_PORT" ;; postgresql) echo "$PG_PORT" ;;
  esac
}
pid_of() {
  local pid
  if [ "$1" = postgresql ]; then
    pid=$(head -1 "$PG_DIR/postmaster.pid" 2>/dev/null || true)
  else
    pid=$(cat "$STATE/pids/$1.pid" 2>/dev/null || true)
  fi
  # A pid file left by a crash may name a pid the system has given to something else.
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  # A process in the middle of exec shows an empty command line for a moment: read it again.
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  [ -n "$cmdline" ] || { sleep 0.1; cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true); }
  case $cmdline in *temporal* | *postgres*) echo "$pid" ;; esac
}
# Whether the process with this pid has ended: gone, or a zombie not yet reaped.
ended() { [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = Z ]; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Waits until NAME listens on PORT. Returns 3 when the process it started (pid $4, a child
# of this shell, so its exit status can be read) exited first, after printing why: its exit
# status and the end of its log, on stdout too, so a CI log that keeps only stdout shows it.
wait_port() { # name port seconds [pid]
  local deadline=$((SECONDS + $3))
  until listening "$2"; do
    # The process this shell started is watched by its own state: `wait` on it (for its exit
    # status) only once it has ended, since a wait on a live child would block for good.
    local gone=""
    if [ -n "${4:-}" ]; then ended "$4" && gone=1; else [ -z "$(pid_of "$1")" ] && gone=1; fi
    if [ -n "$gone" ]; then
      local status=unknown
      if [ -n "${4:-}" ]; then status=0; wait "$4" 2>/dev/null || status=$?; fi
      {
        echo "$1 exited during start-up (exit status $status; log: $STATE/logs/$1.log); the end of its log:"
        tail -40 "$STATE/logs/$1.log" 2>&1 | cut -c1-600
        echo "listening on loopback now:"; (ss -ltnp 2>/dev/null || netstat -ltnp 2>/dev/null || true) | grep -E '127\.0\.0\.1|\*:' | head -20
      } | tee /dev/stderr
      return 3
    fi
    if [ $SECONDS -ge $deadline ]; then echo "$1 is not listening on $2 after $3 s (log: $STATE/logs/$1.log)" >&2; tail -20 "$STATE/logs/$1.log" >&2; exit 1; fi
    sleep 0.2
  done
}

start() {
  [ -n "$(pid_of "$1")" ] && return 0
  case $1 in
    postgresql)
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k '$PG_DIR'" start >/dev/null
      ;;
    ui)
      # ui-server reads its own config (rendered with the same variables).
      setsid "$UI_BIN/temporal-ui-server" --root "$ROOT" --config deploy --env temporal-ui start \
        >>"$STATE/logs/ui.log" 2>&1 </dev/null &
      echo $! >"$STATE/pids/ui.pid"
      ;;
    *)
      # A service that exits during start-up is started once more (what it printed is shown
      # first): a failure that happens twice is a real one and fails the set-up.
      local attempt
      for attempt in 1 2; do
        setsid "$SERVER_BIN/temporal-server" --root "$ROOT" --config deploy --env temporal-cluster --allow-no-auth \
          start --service "$1" >>"$STATE/logs/$1.log" 2>&1 </dev/null &
        local pid=$!
        echo "$pid" >"$STATE/pids/$1.pid"
        local status=0
        wait_port "$1" "$(port_of "$1")" 60 "$pid" || status=$?
        [ "$status" = 0 ] && return 0
        [ "$attempt" = 1 ] && { echo "starting $1 once more" | tee /dev/stderr; sleep 2; }
      done
      exit 1
      ;;
  esac
  wait_port "$1" "$(port_of "$1")" 60 || exit 1
}

stop() { # name signal
  local pid
  pid=$(pid_of "$1")
  [ -z "$pid" ] && return 0
  if [ "$1" = postgresql ] && [ "$2" = TERM ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null
    return 0
  fi
  kill -"$2" "$pid"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

names=("$name")
[ "$name" = all ] && names=(postgresql history matching frontend worker ui)
for n in "${names[@]}"; do
  case $action in
    start) start "$n" ;;
    stop) stop "$n" TERM ;;
    kill) stop "$n" KILL ;;
    restart) stop "$n" TERM; start "$n" ;;
    pid) pid_of "$n" ;;
    *) echo "unknown action $action" >&2; exit 2 ;;
  esac
done
EOF
  chmod +x "$STATE/service.sh"
}

init_postgresql() {
  [ -f "$PG_DIR/PG_VERSION" ] && return 0
  echo "creating a PostgreSQL cluster in $PG_DIR (port $PG_PORT, loopback only)"
  rm -rf "$PG_DIR" && mkdir -p "$PG_DIR"
  # initdb wants an empty folder and reads the password as its own user.
  local pwfile="$PG_DIR.initdb-password"
  (umask 077 && cp "$STATE/password" "$pwfile")
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$PG_DIR" "$STATE/logs" "$pwfile"; fi
  chmod 700 "$PG_DIR"
  local as_pg=()
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$PG_DIR" -U temporal --pwfile="$pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 >"$STATE/logs/initdb.log"
  rm -f "$pwfile"
}

register_namespace() {
  local cli=("$CLI" --address "$FRONTEND")
  for _ in $(seq 1 60); do "${cli[@]}" operator cluster health >/dev/null 2>&1 && break; sleep 1; done
  "${cli[@]}" operator cluster health >/dev/null
  if ! "${cli[@]}" operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
    "${cli[@]}" operator namespace create --namespace "$NAMESPACE" --retention 720h >/dev/null
  fi
  # BabyBot's search attributes (contracts/search-attributes.ts), Keyword like there.
  local existing name
  # A namespace just created is unknown to the frontend until its namespace cache refreshes
  # (~10 s): "Namespace default is not found". Wait for it, then fail loudly if it never comes.
  for _ in $(seq 1 60); do
    existing=$("${cli[@]}" operator search-attribute list --namespace "$NAMESPACE" 2>/dev/null) && break
    sleep 1
  done
  existing=$("${cli[@]}" operator search-attribute list --namespace "$NAMESPACE")
  for name in $(sed -n "s/.*defineSearchAttributeKey('\([A-Za-z0-9_]*\)', SearchAttributeType.KEYWORD).*/\1/p" contracts/search-attributes.ts); do
    grep -qw "$name" <<<"$existing" && continue
    "${cli[@]}" operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type Keyword >/dev/null
  done
}

[ -x "$CLI" ] || node --import tsx scripts/ensure-temporal-cli.ts >/dev/null
build_server
build_ui
ensure_postgresql
write_env
write_control
init_postgresql
"$STATE/service.sh" start postgresql
if ! (set -a && source "$STATE/cluster.env" && PATH="$SERVER_DIR/bin:$PATH" TEMPORAL_SCHEMA_DIR="$SERVER_DIR/schema/postgresql/v12" \
  sh deploy/temporal-schema.sh >"$STATE/logs/schema.log" 2>&1); then
  tail -30 "$STATE/logs/schema.log" >&2
  echo "Setting up Temporal's schemas failed (log: $STATE/logs/schema.log)." >&2
  exit 1
fi
grep -E '^temporal(_visibility)?: ' "$STATE/logs/schema.log"
"$STATE/service.sh" start all
register_namespace

cat >"$ROOT/.cache/stop-temporal-cluster.sh" <<EOF
#!/usr/bin/env bash
# Written by scripts/components/temporal-cluster.sh: stops the tested Temporal cluster.
for name in ui worker frontend matching history postgresql; do '$STATE/service.sh' stop "\$name" || true; done
EOF
echo "Temporal $SERVER_VERSION cluster: frontend $FRONTEND, Web UI http://127.0.0.1:$UI_PORT, PostgreSQL 127.0.0.1:$PG_PORT"
if [ -n "${BABYBOT_TEST_ENV:-}" ]; then
  {
    echo "export BABYBOT_CLUSTER_ADDRESS=$FRONTEND"
    echo "export BABYBOT_CLUSTER_UI_URL=http://127.0.0.1:$UI_PORT"
    echo "export BABYBOT_CLUSTER_CONTROL=$STATE/service.sh"
  } >>"$BABYBOT_TEST_ENV"
fi
