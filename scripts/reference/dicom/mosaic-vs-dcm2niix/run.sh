#!/bin/bash
# Dev-time check of Siemens mosaic unpacking against dcm2niix's Ref NIfTI of the dcm2niix QA
# repositories (BSD-2-Clause), read from bare git mirrors:
#   scripts/reference/dicom/mosaic-vs-dcm2niix/run.sh [MIRRORS] [WORKDIR]
# MIRRORS holds neurolabusc+{dcm_qa_mosaic,dcm_qa,dcm_qa_ts}/repo (default /work/.mirror).
# Needs node, npx esbuild, python3 with numpy + nibabel. Prints one line per file (see compare.py).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../../.." && pwd)
MIRRORS=${1:-/work/.mirror}
WORK=${2:-$(mktemp -d)}
PY=${PYTHON:-python3}
export PYTHONWARNINGS=ignore
mkdir -p "$WORK" "$ROOT/.cache/mosaic-check"
npx esbuild "$HERE/dump.ts" --bundle --platform=node --format=esm --packages=external --log-level=error --outfile="$ROOT/.cache/mosaic-check/dump.mjs"
extract() { # repo, paths...
  local repo=$1; shift
  mkdir -p "$WORK/$repo"
  for p in "$@"; do git --git-dir="$MIRRORS/neurolabusc+$repo/repo" archive HEAD "$p" | tar -x -C "$WORK/$repo"; done
}
extract dcm_qa_mosaic In Ref
extract dcm_qa In/Orientation
extract dcm_qa_ts In Ref
mkdir -p "$WORK/dcm_qa/Ref"
for f in $(git --git-dir="$MIRRORS/neurolabusc+dcm_qa/repo" ls-tree -r --name-only HEAD Ref | grep -E '^Ref/(ax|cor|sag)_'); do
  git --git-dir="$MIRRORS/neurolabusc+dcm_qa/repo" show "HEAD:$f" > "$WORK/dcm_qa/$f"
done
check() { # label, ref, files...
  local label=$1 ref=$2; shift 2
  rm -rf "$WORK/out/$label"
  node "$ROOT/.cache/mosaic-check/dump.mjs" "$WORK/out/$label" "$@"
  echo "== $label (Ref $(basename "$ref"))"
  $PY "$HERE/compare.py" "$WORK/out/$label" "$ref"
}
for d in "$WORK"/dcm_qa_mosaic/In/*; do
  n=$(basename "$d"); check "mosaic/$n" "$WORK/dcm_qa_mosaic/Ref/${n##*_}_${n%_*}.nii" "$d"/*.dcm
done
# dcm_qa Orientation: folder axasc36 -> Ref/ax_asc_36sl_<series>.nii (two candidates for ax asc 36: both are tried)
for d in "$WORK"/dcm_qa/In/Orientation/{ax,cor,sag}/*; do
  n=$(basename "$d"); o=$(echo "$n" | grep -o '^\(ax\|cor\|sag\)'); rest=${n#"$o"}
  case $rest in asc*) ord=asc;; desc*) ord=desc;; int*) ord=int;; esac
  nsl=$(echo "$rest" | grep -o '[0-9]*')
  for ref in "$WORK"/dcm_qa/Ref/"${o}_${ord}_${nsl}"sl_*.nii; do check "qa/$n" "$ref" $(ls "$d"/* | grep -v '\.nii$'); done
done
# Multiband JPEG Lossless / JPEG 2000 mosaics
for f in Ref/fMRI_MB_asc_25.nii Ref/fMRI_MB_asc_25.json Ref/fMRI_MB_int_26.nii Ref/fMRI_MB_int_26.json; do
  git --git-dir="$MIRRORS/neurolabusc+dcm_qa/repo" show "HEAD:$f" > "$WORK/dcm_qa/$f"
done
check qa/AxAsc36mb2a "$WORK/dcm_qa/Ref/fMRI_MB_asc_25.nii" "$WORK"/dcm_qa/In/Orientation/axmb/AxAsc36mb2a/*.dcm
check qa/AxInt36mb "$WORK/dcm_qa/Ref/fMRI_MB_int_26.nii" "$WORK"/dcm_qa/In/Orientation/axmb/AxInt36mb/*.dcm
for f in "$WORK"/dcm_qa_ts/In/*.dcm; do b=$(basename "$f" .dcm); check "ts/$b" "$WORK/dcm_qa_ts/Ref/$b.nii" "$f"; done
