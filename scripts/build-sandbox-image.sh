#!/usr/bin/env bash
# Build the image in which dellm tests generated Python code (shared/sandbox/docker-sandbox.ts).
#
#   bash scripts/build-sandbox-image.sh [--force] [--fresh-rootfs]
#
# Image name: $DELLM_SANDBOX_IMAGE (default dellm-sandbox:latest). Skips the build when the image
# exists, unless --force. Two ways, tried in order:
#   1. docker build -f docker/Dockerfile.sandbox  (needs a registry for python:3.11-slim, and PyPI);
#   2. offline fallback: debootstrap a minimal Debian root with python3 + pytest from the Debian
#      mirror, add the user sandbox (uid 1000) and a python -> python3 link, and `docker import` it.
#      The root is cached as a tarball in .tools/ (keyed by suite and package list), so reruns take
#      seconds; --fresh-rootfs throws the cached tarball away first.
# Needs a running Docker daemon (bash scripts/start-docker.sh); the fallback needs root.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)

IMAGE=${DELLM_SANDBOX_IMAGE:-dellm-sandbox:latest}
SUITE=${DELLM_SANDBOX_SUITE:-bookworm}
MIRROR=${DELLM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_IMAGE=python:3.11-slim
PULL_TIMEOUT=${DELLM_SANDBOX_PULL_TIMEOUT:-60}
BUILD_TIMEOUT=${DELLM_SANDBOX_BUILD_TIMEOUT:-600}
CACHE_DIR=${DELLM_TOOLS_DIR:-$ROOT_DIR/.tools}

# ---- Debian packages of the offline image: add what generated code may need here. ----------------
# (For the Dockerfile path, add the matching pip packages in docker/Dockerfile.sandbox.)
APT_PACKAGES=(
  python3-minimal
  python3-pytest
  python3-flask
  python3-sqlalchemy
)
# Python modules every build must be able to import (both build paths; checked after the build).
REQUIRED_MODULES="pytest, flask, sqlalchemy"
# ------------------------------------------------------------------------------------------------

FORCE=0
FRESH_ROOTFS=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --fresh-rootfs) FRESH_ROOTFS=1; FORCE=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-sandbox-image: unknown argument: $arg (use --force or --fresh-rootfs)" >&2; exit 2 ;;
  esac
done

say() { echo "build-sandbox-image: $*"; }
die() { echo "build-sandbox-image: ERROR: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "the Docker daemon is not reachable; start it with: bash scripts/start-docker.sh"

verify() {
  say "verifying: docker run --rm --network none $IMAGE python -c 'import $REQUIRED_MODULES'"
  docker run --rm --network none "$IMAGE" python -c "import $REQUIRED_MODULES, sys; from importlib.metadata import version; print('python', sys.version.split()[0], 'flask', version('flask'), 'sqlalchemy', version('sqlalchemy'))"
  docker run --rm --network none "$IMAGE" python -m pytest --version
}

# The package set the image was built with, kept as a label: an image from an older package list is rebuilt.
PACKAGES_KEY=$(printf '%s\n' "v2" "${APT_PACKAGES[@]}" "$REQUIRED_MODULES" "$(sha256sum docker/Dockerfile.sandbox | cut -c1-12)" | sha256sum | cut -c1-12)
LABEL=dellm.sandbox.packages

if [ "$FORCE" -eq 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  if [ "$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null)" = "$PACKAGES_KEY" ]; then
    say "image $IMAGE already exists with this package set; skipping the build (use --force to rebuild)."
    verify
    exit 0
  fi
  say "image $IMAGE was built from another package set; rebuilding"
fi

START=$(date +%s)
OLD_ID=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)

build_with_dockerfile() {
  say "trying docker build (pulling $BASE_IMAGE, timeout ${PULL_TIMEOUT}s) ..."
  if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    if ! timeout "$PULL_TIMEOUT" docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
      say "could not pull $BASE_IMAGE (no registry?)"
      return 1
    fi
  fi
  if ! timeout "$BUILD_TIMEOUT" docker build --label "$LABEL=$PACKAGES_KEY" -f docker/Dockerfile.sandbox -t "$IMAGE" docker/; then
    say "docker build failed"
    return 1
  fi
  say "built $IMAGE from docker/Dockerfile.sandbox"
}

build_with_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 || {
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || die "debootstrap is missing; apt-get install debootstrap"
    say "installing debootstrap ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  [ "$(id -u)" -eq 0 ] || die "the debootstrap fallback needs root (sudo bash $0)"

  local key tarball work rootfs
  key=$(printf '%s\n' "v1" "$SUITE" "${APT_PACKAGES[@]}" | sha256sum | cut -c1-12)
  tarball="$CACHE_DIR/sandbox-rootfs-$SUITE-$key.tar"
  mkdir -p "$CACHE_DIR"
  [ "$FRESH_ROOTFS" -eq 1 ] && rm -f "$tarball"

  if [ -f "$tarball" ]; then
    say "using the cached root filesystem $tarball"
  else
    work=$(mktemp -d "${TMPDIR:-/tmp}/dellm-rootfs.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" EXIT
    rootfs="$work/root"
    local include
    include=$(IFS=,; echo "${APT_PACKAGES[*]}")
    say "debootstrap --variant=minbase --include=$include $SUITE ($MIRROR) ..."
    debootstrap --variant=minbase --include="$include" "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
      tail -n 20 "$work/debootstrap.log" >&2
      die "debootstrap failed (log above)"
    }

    # User sandbox (uid/gid 1000), written directly so the root needs no passwd tools.
    grep -q '^sandbox:' "$rootfs/etc/group" || echo 'sandbox:x:1000:' >>"$rootfs/etc/group"
    grep -q '^sandbox:' "$rootfs/etc/passwd" ||
      echo 'sandbox:x:1000:1000:dellm sandbox:/tmp:/usr/sbin/nologin' >>"$rootfs/etc/passwd"
    [ -f "$rootfs/etc/shadow" ] && ! grep -q '^sandbox:' "$rootfs/etc/shadow" && echo 'sandbox:!:19000::::::' >>"$rootfs/etc/shadow"
    ln -sf python3 "$rootfs/usr/bin/python"
    mkdir -p "$rootfs/code"
    chmod 1777 "$rootfs/tmp"
    # Nothing the image needs at run time: package caches, lists, docs, debootstrap leftovers.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
      "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* \
      "$rootfs"/debootstrap "$rootfs"/var/log/*.log
    chroot "$rootfs" python -m pytest --version >/dev/null 2>&1 || die "python -m pytest does not run inside the new root"

    tar --numeric-owner -C "$rootfs" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$work"
    trap - EXIT
    say "cached the root filesystem as $tarball ($(du -h "$tarball" | cut -f1))"
  fi

  say "docker import -> $IMAGE"
  docker import \
    --change 'USER 1000:1000' \
    --change 'WORKDIR /code' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV HOME=/tmp' \
    --change 'ENV PYTHONDONTWRITEBYTECODE=1' \
    --change 'ENV PYTHONUNBUFFERED=1' \
    --change 'CMD ["python", "-m", "pytest", "--version"]' \
    --change "LABEL $LABEL=$PACKAGES_KEY" \
    --message "dellm sandbox: debootstrap $SUITE + ${APT_PACKAGES[*]}" \
    "$tarball" "$IMAGE" >/dev/null
  say "built $IMAGE from a debootstrapped $SUITE root (${APT_PACKAGES[*]})"
}

if [ "${DELLM_SANDBOX_OFFLINE:-0}" = "1" ]; then
  say "DELLM_SANDBOX_OFFLINE=1: skipping docker build"
  build_with_debootstrap
elif ! build_with_dockerfile; then
  say "falling back to the offline debootstrap build"
  build_with_debootstrap
fi

verify
NEW_ID=$(docker image inspect --format '{{.Id}}' "$IMAGE")
if [ -n "$OLD_ID" ] && [ "$OLD_ID" != "$NEW_ID" ]; then
  docker rmi "$OLD_ID" >/dev/null 2>&1 && say "removed the previous image ${OLD_ID:7:12}" || true
fi
say "done in $(($(date +%s) - START))s: $(docker image inspect --format '{{.Id}} {{.Size}} bytes' "$IMAGE")"
