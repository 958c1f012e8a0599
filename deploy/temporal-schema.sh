#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up to the version
# the server expects. Run by docker-compose.yml's one-shot temporal-schema service (in
# temporalio/admin-tools, with the defaults below) and by the tested cluster
# (scripts/components/temporal-cluster.sh, which sets the variables). Safe to run on
# every start: an existing database is only updated, never set up again.
set -eu
tool() {
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS:-postgresql}" -p "${DB_PORT:-5432}" \
    -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}
schemas=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
for db in temporal visibility; do
  name=$([ "$db" = temporal ] && echo temporal || echo temporal_visibility)
  if tool --db "$name" update-schema -d "$schemas/$db/versioned" 2>/dev/null; then
    echo "$name: schema up to date"
    continue
  fi
  echo "$name: first start, creating the database and its schema"
  tool --db "$name" create
  tool --db "$name" setup-schema -v 0.0
  tool --db "$name" update-schema -d "$schemas/$db/versioned"
done
