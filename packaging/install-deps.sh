#!/usr/bin/env bash
# Installs every Debian 12 package that TrainStudio's build, tests and demo need.
# Idempotent: packages already present are skipped by apt. Run as root (or with sudo).
#
# usage: packaging/install-deps.sh [--bench]
#   --bench   also install the benchmark peers (Debian's PyTorch), about 1 GB
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # core
  libopenblas-dev libsqlite3-dev nlohmann-json3-dev zlib1g-dev libcli11-dev
  libboost-serialization-dev libsodium-dev
  # PostgreSQL sources: libpq to read them; the server for the tests' throwaway cluster
  postgresql libpq-dev
  # the wire protocol between studio, coordinator and agents: protobuf headers over ZeroMQ
  libprotobuf-dev protobuf-compiler libzmq3-dev cppzmq-dev
  # agents under Slurm (packaging/slurm/): the tests start a throwaway single-node cluster
  munge slurmctld slurmd slurm-client
  # studio (Qt 6.4): Charts needs libqt6opengl6-dev to be found by CMake
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-tools-dev qt6-l10n-tools
  # tests: the libFuzzer targets of the parsers are built with clang
  clang libclang-rt-14-dev
  # fonts for the offscreen/Xvfb window and its screenshots
  fonts-dejavu-core
  # demo data: Fashion-MNIST, 70,000 28x28 images
  dataset-fashion-mnist
)
if [[ ${1:-} == --bench ]]; then
  packages+=(python3 python3-torch python3-pandas python3-sklearn time)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
echo "install-deps: done"
