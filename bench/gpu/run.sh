#!/usr/bin/env bash
# Issue 26 req. 7: the one GPU script. On a machine with an NVIDIA card (the `device` tool's
# machines: run from the repository root), measures CUDA and WebGPU (Dawn / Vulkan, the
# onnxruntime-node build's own) against bare session.run, with GPU-resident outputs where
# onnxruntime-node accepts them, and writes gpu.json + gpu.md (card name included) into $OUT
# (or bench/results/gpu). Exits 1 naming every provider / figure it could not measure: a missing
# CUDA EP or Vulkan driver is reported, never replaced by CPU runs.
#   bash bench/gpu/run.sh [--dry-run] [--providers cuda,webgpu] [--runs N]
# --dry-run: CPU-side parts only (provider cpu, small sizes), for machines without a GPU.
# Needs: node_modules (onnxruntime-node; for CUDA its CUDA 12 provider libraries installed beside
# it: npm install onnxruntime-node@~1.30.0 --onnxruntime-node-install=cuda12 where api.nuget.org is
# reachable), dist/ built, .cache/bench-models/ (bash bench/setup.sh) - carry them to the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-bench/results/gpu}"
mkdir -p "$out"
[ -e dist/index.js ] || npx tsc -p tsconfig.json
if [[ " $* " != *" --dry-run "* ]]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/card.txt"
  # WebGPU in onnxruntime-node goes through Dawn's Vulkan backend: it needs the loader and the
  # NVIDIA ICD. Point the loader at the driver's manifest when the default search finds none.
  if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then echo "warning: no libvulkan.so.1 (apt-get install libvulkan1, or carry it): WebGPU will be reported unavailable" >&2; fi
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -z "${VK_DRIVER_FILES:-}" ] && [ -e "$icd" ] && export VK_DRIVER_FILES="$icd"
fi
node bench/gpu/gpu.mjs --out "$out" "$@"
