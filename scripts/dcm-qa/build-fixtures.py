#!/usr/bin/env python3
"""Builds test/fixtures/dcm-qa/ from the dcm2niix QA repositories (BSD-2-Clause).

Development-time tool (tests never run it). Usage:
  build-fixtures.py <extracted-root> <out-dir>
where <extracted-root>/<repo>/ holds each repository's files (git archive of HEAD) and
<extracted-root>/<repo>.commit its commit. Each case folder gets only the DICOM files of one
series, renamed NNNN.dcm in source-name order (Philips classic .dcm.gz are gunzipped); the
reference NIfTI files are stored gzipped in <repo>/ref/. Writes cases.json and SOURCES.md.
"""
import gzip, hashlib, json, os, sys

CASES = [
  # id, repo, source folder (or file list), refs [(ref file, part)], kind, note
  ("ax_asc_35sl", "dcm_qa", "In/Orientation/ax/axasc35", [("ax_asc_35sl_6.nii", "")], "Siemens classic mosaic 4D (2 vols) axial asc 35 slices", None),
  ("cor_int_36sl", "dcm_qa", "In/Orientation/cor/corint36", [("cor_int_36sl_15.nii", "")], "Siemens classic mosaic 4D (2 vols) coronal interleaved 36 slices", None),
  ("sag_desc_35sl", "dcm_qa", "In/Orientation/sag/sagdesc35", [("sag_desc_35sl_23.nii", "")], "Siemens classic mosaic 4D (2 vols) sagittal desc 35 slices", None),
  ("trt_lr_31", "dcm_qa", "In/TotalReadoutTime/PF_PAT_POS_PFOV_PEres_INTERP_test2/NOPF_NOPAT_NOPOS_PERES100_ES0P60_BW2222_LR_0031",
    [("noPF_noPAT_noPOS_PEres100_ES0p60_BW2222_LR_31.nii", "")], "Siemens classic mosaic 3D 90x90x60 uint16, PE LR", None),
] + [
  (f"ts{n}", "dcm_qa_ts", [f"In/{n}.dcm"], [("1.nii", "")], f"Siemens mosaic 3D, transfer syntax {ts}",
   "the nine Ref/N.nii files are byte-identical; only Ref/1.nii is stored" if n == 1 else None)
  for n, ts in [(1, "explicit VR LE 1.2.840.10008.1.2.1"), (2, "implicit VR LE 1.2.840.10008.1.2"), (3, "explicit VR BE 1.2.840.10008.1.2.2"),
                (4, "RLE 1.2.840.10008.1.2.5"), (5, "JPEG lossless SV1 1.2.840.10008.1.2.4.70"), (6, "JPEG lossless SV1 1.2.840.10008.1.2.4.70 (second encoder)"),
                (7, "JPEG-LS lossless 1.2.840.10008.1.2.4.80"), (8, "JPEG-LS lossless 1.2.840.10008.1.2.4.80 (second encoder)"), (9, "JPEG 2000 lossless 1.2.840.10008.1.2.4.90")]
] + [
  ("philips_b0_fmap", "dcm_qa_enh", ["In/Philips/IM_0027_fMAP.dcm"],
    [("Philips_WIP_B0_NS_801_e1.nii", ""), ("Philips_WIP_B0_NS_801_e2_fieldmaphz.nii", "_real")],
    "Philips enhanced multi-frame B0 map: magnitude + field map (Hz) frames in one file",
    "every frame has EchoNumbers 1; the field-map frames are ComplexImageComponent REAL (Philips type B0, "
    "FrameType FIELD_MAP), so by medinfer's part convention they are _real beside the magnitude ''. "
    "dcm2niix names the two outputs _e1 and _e2_fieldmaphz"),
  ("siemens_xa10_sms", "dcm_qa_enh", "In/Siemens/XA10", [("Siemens_REST1_w_SMS_PF7-8_6.nii", "")],
    "Siemens XA10 enhanced multi-frame, one file per volume, 4D (4 vols)", None),
  ("p1901_cl", "dcm_qa_philips_enh", ["In/cl/1901_*.dcm.gz"], [("1901_WIP_3DpCASL_cl.nii.gz", "")],
    "Philips classic 3D pCASL perfusion (40 single-frame files)", None),
  ("p1901_enh", "dcm_qa_philips_enh", ["In/enh/1901_WIP_3DpCASL_real.dcm.gz"], [("1901_WIP_3DpCASL_enh_real.nii.gz", "")],
    "Philips enhanced 3D pCASL perfusion, REAL image type (same acquisition as p1901_cl)",
    "dcm2niix adds _real because every frame is REAL; the series does not split, so medinfer's part is ''"),
  ("p2001_enh", "dcm_qa_philips_enh", ["In/enh/2001_WIP_fcMRI_Field_Mapping_e2_phMag.dcm.gz"],
    [("2001_WIP_fcMRI_Field_Mapping_enh_e1.nii.gz", "_e1"), ("2001_WIP_fcMRI_Field_Mapping_enh_e1_ph.nii.gz", "_e1_ph"),
     ("2001_WIP_fcMRI_Field_Mapping_enh_e2.nii.gz", "_e2"), ("2001_WIP_fcMRI_Field_Mapping_enh_e2_ph.nii.gz", "_e2_ph")],
    "Philips enhanced field map: 2 echoes x magnitude/phase in one file", None),
  ("ge_dwi_r1p5", "dcm_qa_ge", "In/03_Ax_DWI_TENSOR_R1p5", [("Ax_DWI_TENSOR_R1p5_3.nii", "")],
    "GE DWI 4D (7 vols x 2 slices), PE j", None),
  ("nih_ge_mr0004", "dcm_qa_nih", "In/20180918GE/mr_0004", [("DCM2NIIX_regression_test_4.nii", "")],
    "GE EPI 4D (10 vols x 15 slices, 150 files), reverse PE polarity (j-)", None),
  ("nih_si_pe_ap", "dcm_qa_nih", "In/20180918Si/mr_0003", [("EPI_PE=AP_3.nii", "")], "Siemens mosaic 4D (2 vols x 5 slices), PE AP", None),
  ("nih_si_pe_lr", "dcm_qa_nih", "In/20180918Si/mr_0006", [("EPI_PE=LR_6.nii", "")], "Siemens mosaic 4D (2 vols x 5 slices), PE LR", None),
  ("cmrr_int_hf", "dcm_qa_mosaic", "In/cmrr_Int_HF_9", [("9_cmrr_Int_HF.nii", "")],
    "Siemens CMRR mosaic 4D (6 vols x 40 slices) uint16, interleaved, head>foot slice order", None),
  ("ge_rtia_epirt", "dcm_qa_stc", "In/GE/RTIA/2_epiRT_ascending", [("GE_Brain_Routine_2.nii", "")], "GE EPI RT 4D (3 vols x 8 slices)", None),
  ("ge_zugfahrt", "dcm_qa_stc", "In/GE/RTIAold/15_Zugfahrt", [("GE_Zugfahrt_test_4_15.nii", "")], "GE EPI 4D (2 vols x 37 slices), older software", None),
  ("si_b12_fmri", "dcm_qa_stc", "In/Siemens/B12/2_FMRI_AX_ASC", [("Siemens_FMRI_AX_ASC_2.nii", "")],
    "Siemens VB12 mosaic 4D (2 vols), EchoNumbers 0", None),
  ("si_d13_asc_hf", "dcm_qa_stc", "In/Siemens/D13/ep2d_Asc_HF_10", [("Siemens_ep2d_Asc_HF_10.nii", "")],
    "Siemens VD13 mosaic 4D (2 vols), asc head>foot", None),
  ("uih_dti", "dcm_qa_stc", "In/UIH/R002/12_dti_tra_dir16_PA_rot", [("UIH_dti_tra_dir16_PA_rot_12.nii", "")],
    "UIH DTI 4D (17 vols x 20 slices), VFRAME grid images", None),
]

def sha(b): return hashlib.sha256(b).hexdigest()

def is_dicom(b): return len(b) > 132 and b[128:132] == b"DICM"

def list_inputs(root, repo, src):
    import glob
    base = os.path.join(root, repo)
    if isinstance(src, str):
        files = sorted(os.path.join(base, src, f) for f in os.listdir(os.path.join(base, src)))
    else:
        files = sorted(p for pat in src for p in glob.glob(os.path.join(base, pat)))
    return files

def main(root, out):
    records, sources = [], {}
    for cid, repo, src, refs, kind, note in CASES:
        case_dir = os.path.join(out, repo, cid); os.makedirs(case_dir, exist_ok=True)
        n = 0; digest = hashlib.sha256()
        for f in list_inputs(root, repo, src):
            b = open(f, "rb").read()
            if f.endswith(".gz"): b = gzip.decompress(b)
            if not is_dicom(b): continue
            n += 1
            open(os.path.join(case_dir, f"{n:04d}.dcm"), "wb").write(b); digest.update(b)
        assert n > 0, cid
        s = sources.setdefault(repo, {"inputs": [], "refs": {}})
        s["inputs"].append((cid, src, n, digest.hexdigest()))
        rec_refs = []
        for ref, part in refs:
            raw = open(os.path.join(root, repo, "Ref", ref), "rb").read()
            nii = gzip.decompress(raw) if ref.endswith(".gz") else raw
            stored_name = ref if ref.endswith(".gz") else ref + ".gz"
            stored_path = os.path.join(out, repo, "ref", stored_name)
            os.makedirs(os.path.dirname(stored_path), exist_ok=True)
            if not os.path.exists(stored_path):
                # mtime 0 and no file name in the gzip header: the stored bytes depend on the content only
                stored = gzip.compress(nii, compresslevel=9, mtime=0)
                open(stored_path, "wb").write(stored)
                s["refs"][ref] = (stored_name, sha(raw), sha(stored))
            rec_refs.append({"file": f"{repo}/ref/{stored_name}", "part": part})
        rec = {"id": cid, "repo": repo, "input": f"{repo}/{cid}", "refs": rec_refs, "kind": kind}
        if note: rec["note"] = note
        records.append(rec)
    json.dump(records, open(os.path.join(out, "cases.json"), "w"), indent=1)
    open(os.path.join(out, "cases.json"), "a").write("\n")
    write_sources(root, out, sources)

def write_sources(root, out, sources):
    lines = ["# dcm2niix QA subset: sources", "",
             "Built by `scripts/dcm-qa/build-fixtures.py` from the dcm2niix QA repositories of Chris Rorden",
             "(github.com/neurolabusc), each under the BSD 2-Clause licence (copyright lines below, from each",
             "repository's LICENSE). Case folders hold the DICOM files of one series, renamed `NNNN.dcm` in the",
             "order of their source names (Philips classic `.dcm.gz` files gunzipped); `inputs sha256` is the",
             "sha256 over the stored files' bytes concatenated in that order. References are dcm2niix's `Ref/`",
             "NIfTI files, stored gzipped (level 9, no name, mtime 0); `source sha256` is of the file as it is in",
             "the repository, `stored sha256` of the `.nii.gz` here.", ""]
    for repo in sorted(sources):
        s = sources[repo]
        commit = open(os.path.join(root, repo + ".commit")).read().strip()
        lic = open(os.path.join(root, repo, "LICENSE")).read()
        cline = next((l.strip() for l in lic.splitlines() if "Copyright" in l), "?")
        lines += [f"## {repo}", "", f"- repository: https://github.com/neurolabusc/{repo}", f"- commit: {commit}",
                  f"- licence: BSD-2-Clause, {cline}", "", "| case | source path(s) | files | inputs sha256 |", "|---|---|---|---|"]
        for cid, src, n, d in s["inputs"]:
            srcs = src if isinstance(src, str) else ", ".join(src)
            lines.append(f"| {cid} | `{srcs}` | {n} | `{d}` |")
        lines += ["", "| reference (Ref/) | stored as | source sha256 | stored sha256 |", "|---|---|---|---|"]
        for ref, (stored, a, b) in s["refs"].items():
            lines.append(f"| `{ref}` | `ref/{stored}` | `{a}` | `{b}` |")
        lines.append("")
    open(os.path.join(out, "SOURCES.md"), "w").write("\n".join(lines))

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
