# Sourced by scripts/components/*.sh: the one way a component installs Debian packages.
# apt_install "what to do otherwise" PACKAGE...: installs the packages with apt-get (as root,
# or through sudo), once; without apt-get, or neither root nor sudo, it fails with the
# message, which says what to install by hand.
apt_install() {
  local otherwise=$1
  shift
  [ $# -eq 0 ] && return 0
  local as_root=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "Missing $* and not root (no sudo): $otherwise" >&2; exit 1; }
    as_root=(sudo)
  fi
  command -v apt-get >/dev/null || { echo "Missing $* and this machine has no apt-get: $otherwise" >&2; exit 1; }
  echo "installing Debian's $* with apt-get (once)"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
