#!/usr/bin/env bash
# Make the embedded data set, Fashion-MNIST, available: Debian's package when we can install it,
# otherwise leave it to torchvision's download on first use (needs internet).
set -euo pipefail
debian_dir=/usr/share/datasets/fashion-mnist
if [ -f "$debian_dir/train-images-idx3-ubyte.gz" ]; then
  exit 0
fi
if [ -n "${PRUNEBENCH_DATA:-}" ] && ls "$PRUNEBENCH_DATA"/fashion-mnist/train-images-idx3-ubyte* >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Debian's dataset-fashion-mnist ..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  exit 0
fi
echo "Fashion-MNIST is not installed: either 'sudo apt-get install dataset-fashion-mnist', or put the four idx" >&2
echo "files in \$PRUNEBENCH_DATA/fashion-mnist, or let torchvision download it on first use (needs internet)." >&2
