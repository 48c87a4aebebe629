#!/usr/bin/env bash
# Everything the benchmark suite needs, from a fresh clone (issue 26): Debian packages (Python
# stack for the comparisons and the model exporter, Chromium for the browser area, dcm2niix /
# dcmtk / Orthanc / redis for the DICOM, DICOMweb and queue areas), dist/ built, and the
# benchmark-size models exported into .cache/bench-models/. Idempotent: installs only what is
# missing. Not root: prints the exact apt-get line and exits 1 (nothing is skipped silently).
#   bash bench/setup.sh && node bench/run.mjs [--quick]      (npm run bench does both)
# MEDINFER_BENCH_SETUP_NO_BUILD=1: do not rebuild dist/ (npm run bench builds it itself).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

need=()
py=/usr/bin/python3
# module -> Debian package: torch / torchvision / onnx (export_models.py, pipelines.py), numpy,
# scipy, nibabel, skimage, PIL (pipelines.py, preprocess.py), pydicom (io-dicom, the 16-bit DICOM
# of pipeline-overhead), sklearn (report-text metrics in scripts/models).
for pair in torch:python3-torch torchvision:python3-torchvision onnx:python3-onnx numpy:python3-numpy \
  scipy:python3-scipy nibabel:python3-nibabel skimage:python3-skimage PIL:python3-pil \
  pydicom:python3-pydicom sklearn:python3-sklearn; do
  mod=${pair%%:*}; pkg=${pair#*:}
  "$py" -c "import $mod" >/dev/null 2>&1 || need+=("$pkg")
done
[ -x "$py" ] || need+=(python3)
[ -x /usr/bin/chromium ] || need+=(chromium)                  # browser area (playwright-core drives it)
command -v dcm2niix >/dev/null 2>&1 || need+=(dcm2niix)       # convert area's reference
command -v dcmodify >/dev/null 2>&1 || need+=(dcmtk)          # convert area edits the series
[ -x /usr/bin/time ] || need+=(time)                          # peak RSS of external tools
command -v Orthanc >/dev/null 2>&1 || need+=(orthanc)         # dicomweb area's loopback PACS
[ -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || need+=(orthanc-dicomweb)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server) # queue area

if [ ${#need[@]} -gt 0 ]; then
  line="apt-get update -q && apt-get install -y --no-install-recommends ${need[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "bench/setup.sh: missing Debian packages; run as root:" >&2
    echo "  $line" >&2
    exit 1
  fi
  echo "[bench/setup] $line"
  # Another process may hold the dpkg lock for a while (shared build machines): retry, then fail.
  for attempt in 1 2 3 4 5 6; do
    if apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; then break; fi
    [ "$attempt" = 6 ] && { echo "bench/setup.sh: apt-get install failed: ${need[*]}" >&2; exit 1; }
    sleep 20
  done
fi

if [ "${MEDINFER_BENCH_SETUP_NO_BUILD:-0}" != 1 ]; then
  echo "[bench/setup] npx tsc -p tsconfig.json"
  npx tsc -p tsconfig.json
fi

# The benchmark-size models (random weights; the exporter skips files that exist).
echo "[bench/setup] $py bench/python/export_models.py"
"$py" bench/python/export_models.py
for f in densenet121 unet3d unet3d_lite vxm; do
  for ext in onnx pt; do
    [ -s ".cache/bench-models/$f.$ext" ] || { echo "bench/setup.sh: .cache/bench-models/$f.$ext was not written" >&2; exit 1; }
  done
done
echo "[bench/setup] ready: node bench/run.mjs [--quick]"
