#!/usr/bin/env python3
"""Parity reference for the bundled report-text CNN: tokenizer re-implemented here from the
manifest's tokenizer block, the network run in torch with the ONNX file's weights, softmax over
the four statuses. The SDK must match within 1e-4 (test/pipelines/parity.test.ts).

    apt-get install -y python3-torch python3-onnx python3-numpy
    /usr/bin/python3 scripts/reference/parity/report_text.py
"""
import json
import os
import re

import torch

from parity_common import REPO, load_onnx_weights, manifest_entry, write_fixture
from train_report_cnn import KimTextCnn  # the architecture the bundled model was trained with

MODEL_ID = 'medinfer-report-textcnn-phantom'
REPORTS = [
    'No acute cardiopulmonary process.',
    'Moderate cardiomegaly. Small left pleural effusion. No pneumothorax.',
    'Possible early pneumonia at the right base; cannot exclude aspiration.',
    'PA AND LATERAL CHEST: Endotracheal tube in place. Stable enlarged cardiomediastinal silhouette!',
    'Zyxwv quux unseen-words only',
    ' '.join(['Mild pulmonary edema.'] * 60),
]


def main():
    entry = manifest_entry(MODEL_ID)
    tok = entry['tokenizer']
    vocab_path = os.path.join(REPO, next(f['path'] for f in entry['files'] if f['role'] == 'vocab'))
    tokens = json.load(open(vocab_path))['tokens']
    index = {t: i for i, t in enumerate(tokens)}
    assert tok['split'] in ('ascii-words-and-punctuation', 'words-and-punctuation') and tok['padding'] == 'post'
    # For ASCII text both splits are: runs of letters / digits, or any single other non-space character.
    assert all(r.isascii() for r in REPORTS)
    pattern = re.compile(r'[A-Za-z0-9]+|[^\sA-Za-z0-9]')
    ids = []
    for r in REPORTS:
        words = pattern.findall(r.lower() if tok['lowercase'] else r)[:tok['maxLength']]
        row = [index.get(w, index[tok['unknownToken']]) for w in words]
        ids.append(row + [index[tok['padToken']]] * (tok['maxLength'] - len(row)))
    model = load_onnx_weights(KimTextCnn(len(tokens)), os.path.join(REPO, next(f['path'] for f in entry['files'] if f['role'] == 'model')))
    with torch.no_grad():
        probs = torch.softmax(model(torch.tensor(ids)), dim=2)
    write_fixture('report-text.json', {'model': MODEL_ID, 'reports': REPORTS, 'ids': ids, 'probabilities': probs.tolist(),
                                       'classes': entry['io']['outputs'][0]['channels'], 'tolerance': 1e-4})


if __name__ == '__main__':
    main()
