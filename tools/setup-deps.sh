# Sourced by .ci/run and tools/demo.sh: installs what a fresh Debian machine lacks.
need=()
# Image codecs: libpng, libjpeg, libwebp (+demux/mux), libheif (HEIC via libde265, AVIF via dav1d/libaom), libtiff, giflib.
# The test suite's one-node cluster: Slurm and munge (tools/ci/slurm.sh starts and stops the daemons).
for p in libopenblas-dev libpng-dev libjpeg-dev libwebp-dev libheif-dev libtiff-dev libgif-dev libssl-dev ffmpeg curl chromium chromium-driver \
         slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -c "import numpy, pytest" 2>/dev/null || python3 -m pip install -q numpy pytest
