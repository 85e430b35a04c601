#!/usr/bin/env bash
# Sets up everything pinpipe needs on Debian 12 and builds it. Idempotent: packages already
# present are not reinstalled and the build is incremental.
#
#   bash scripts/setup.sh              # install packages (as root), configure, build the binary
#   bash scripts/setup.sh all          # ... and every test and benchmark (scripts/test.sh does this)
#   bash scripts/setup.sh fuzz         # only the fuzzing packages (clang-14, libFuzzer); no build
#   PINPIPE_BUILD_DIR=/tmp/b bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libcaf-dev libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libboost-dev libspdlog-dev libfmt-dev
  libsqlite3-dev sqlite3 nlohmann-json3-dev libsimdjson-dev libcli11-dev libtomlplusplus-dev libcpp-httplib-dev
  libssl-dev zlib1g-dev libbrotli-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-requests python3-boto3
  redis-server nats-server libhiredis-dev libnats-dev
)
# `setup.sh all` (the tests) also installs the console's browser test tools and Chart.js;
# the plain setup stays light (the console falls back to server-rendered SVG charts).
if [ "${1:-}" = "all" ]; then
  packages+=(chromium chromium-driver python3-selenium libjs-chart.js)
fi

# clang and libFuzzer (scripts/fuzz.sh) only for `all` and `fuzz`: the plain setup stays light.
case "${1:-}" in
  all|fuzz) packages+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev) ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: error: installing packages needs root (run as root, or install them: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all ${#packages[@]} Debian packages present"
fi

if [ "${1:-}" = fuzz ]; then
  echo "setup: fuzzing packages ready (bash scripts/fuzz.sh builds and runs the fuzzers)"
  exit 0
fi

build_dir="${PINPIPE_BUILD_DIR:-build}"
jobs="${PINPIPE_JOBS:-2}"
target="${1:-pinpipe}"
echo "setup: configuring and building '${target}' into ${build_dir} (-j${jobs}; the first build takes several minutes)"
cmake -S . -B "${build_dir}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"${build_dir}.cmake.log" 2>&1 || {
  cat "${build_dir}.cmake.log" >&2; echo "setup: error: cmake configure failed (log above)" >&2; exit 1; }
cmake --build "${build_dir}" -j"${jobs}" --target "${target}"
echo "setup: done; binary at ${build_dir}/nodes/pinpipe"
