# Sourced by the setup scripts. better-sqlite3 is a native module: its prebuilt binary
# comes from GitHub, which some machines cannot reach, and building it needs Node's
# headers; point the build at the headers installed with Node so nothing is downloaded.
if [ -z "${npm_config_nodedir:-}" ]; then
  node_prefix=$(dirname "$(dirname "$(command -v node)")")
  if [ -f "$node_prefix/include/node/node.h" ]; then
    export npm_config_nodedir="$node_prefix"
  fi
fi
