#!/usr/bin/python3
"""Trains the bundled radiology-report labeler: a Kim (2014) style text CNN over word embeddings.

    apt-get install -y python3-torch python3-onnx python3-numpy python3-sklearn
    /usr/bin/python3 scripts/models/train_report_cnn.py [--train 8000] [--test 1000]

Data: report phantoms from the SDK's TypeScript generator (phantom-reports), training seed 1000,
held-out seed 2000. Each of the 14 CheXpert observations gets a 4-way softmax over
[not mentioned, positive, negative, uncertain] (CheXpert values blank, 1, 0, -1): the head shape
is our design choice, Kim's paper has a single softmax.

Tokenizer (the SDK's report-text tokenizer, src/pipelines/text-tokenizer.ts, declared in the entry's
`tokenizer` block): lower-case, then maximal runs of letters/digits or single other non-space
characters; ids 0 = <pad>, 1 = <unk>, post-padded / truncated to maxLength 128, int64. Architecture: embedding 48-d (random init, "CNN-rand"), filter
windows 3, 5, 7 x 64 maps, ReLU, max-over-time pooling, dropout 0.5, linear head 14 x 4.
The wider windows (5, 7 instead of 4, 5) let a filter see a negation cue and its target in
coordinated phrases ("no evidence of pleural effusion or pneumothorax").
"""
import argparse
import json
import os
import re
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import f1_score

sys.path.insert(0, os.path.dirname(__file__))
from common import (INTENDED_USE, MODELS_DIR, OPSET, export_onnx, file_record, generate_phantoms, log,  # noqa: E402
                    measured_on, set_determinism, write_entry)

MODEL_ID = 'medinfer-report-textcnn-phantom'
OBSERVATIONS = ['No Finding', 'Enlarged Cardiomediastinum', 'Cardiomegaly', 'Lung Lesion', 'Lung Opacity', 'Edema',
                'Consolidation', 'Pneumonia', 'Atelectasis', 'Pneumothorax', 'Pleural Effusion', 'Pleural Other',
                'Fracture', 'Support Devices']
CLASSES = ['not mentioned', 'positive', 'negative', 'uncertain']
# Letters/digits runs, or one other non-space character: the SDK tokenizer's 'words-and-punctuation'
# split (/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/u) on lower-cased text.
TOKEN = re.compile(r'[^\W_]+|\S')
MAX_LENGTH = 128
LONGEST_TEST = MAX_LENGTH


def tokenize(text):
    return TOKEN.findall(text.lower())


def label_to_class(v):
    return 0 if v is None else {1: 1, 0: 2, -1: 3}[v]


class KimTextCnn(nn.Module):
    def __init__(self, vocab_size, dim=48, windows=(3, 5, 7), maps=64, observations=14, classes=4):
        super().__init__()
        self.observations, self.classes = observations, classes
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(dim, maps, w, padding=w // 2) for w in windows])
        self.drop = nn.Dropout(0.5)
        self.head = nn.Linear(maps * len(windows), observations * classes)

    def forward(self, tokens):
        x = self.embed(tokens).transpose(1, 2)  # N, dim, L
        pooled = [F.relu(c(x)).amax(dim=2) for c in self.convs]
        logits = self.head(self.drop(torch.cat(pooled, 1)))
        return logits.view(-1, self.observations, self.classes)


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def encode(records, index):
    ids = np.zeros((len(records), MAX_LENGTH), dtype=np.int64)
    for r, rec in enumerate(records):
        toks = tokenize(rec['text'])[:MAX_LENGTH]
        ids[r, :len(toks)] = [index.get(t, 1) for t in toks]
    y = np.array([[label_to_class(v) for v in rec['labels']] for rec in records], dtype=np.int64)
    return torch.from_numpy(ids), torch.from_numpy(y)


def macro_f1(y_true, y_pred):
    """Macro-F1 over every (observation, mention class) pair present in the test set (blank excluded)."""
    scores = {}
    for o, name in enumerate(OBSERVATIONS):
        for c in (1, 2, 3):
            t = y_true[:, o] == c
            if t.sum() == 0:
                continue
            scores[f'{name}/{CLASSES[c]}'] = float(f1_score(t, y_pred[:, o] == c))
    return float(np.mean(list(scores.values()))), scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', type=int, default=8000)
    ap.add_argument('--test', type=int, default=1000)
    ap.add_argument('--epochs', type=int, default=8)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--data', default='/tmp/medinfer-phantoms')
    args = ap.parse_args()
    set_determinism(0, args.threads)
    train_dir = os.path.join(args.data, 'rep-train')
    test_dir = os.path.join(args.data, 'rep-test')
    generate_phantoms('reports', args.train, 1000, train_dir)
    generate_phantoms('reports', args.test, 2000, test_dir)
    train = load(os.path.join(train_dir, 'reports.jsonl'))
    test = load(os.path.join(test_dir, 'reports.jsonl'))
    counts = {}
    for rec in train:
        for t in tokenize(rec['text']):
            counts[t] = counts.get(t, 0) + 1
    tokens = ['<pad>', '<unk>'] + sorted(t for t, c in counts.items() if c >= 2)
    index = {t: i for i, t in enumerate(tokens)}
    xtr, ytr = encode(train, index)
    xte, yte = encode(test, index)
    log(f'vocab {len(tokens)} tokens, train {tuple(xtr.shape)}')
    global LONGEST_TEST
    LONGEST_TEST = max(8, int((xte > 0).sum(1).max()))

    model = KimTextCnn(len(tokens))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(0)
    batch = 50
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        total = 0.0
        for s in range(len(xtr) // batch):
            idx = perm[s * batch:(s + 1) * batch]
            xb = xtr[idx]
            # Trim the batch to its longest report: max-over-time ignores trailing padding anyway.
            xb = xb[:, :max(8, int((xb > 0).sum(1).max()))]
            # Word dropout to <unk>: robustness to unseen words at inference.
            drop = (torch.rand(xb.shape, generator=g) < 0.03) & (xb > 1)
            xb = torch.where(drop, torch.ones_like(xb), xb)
            loss = F.cross_entropy(model(xb).reshape(-1, len(CLASSES)), ytr[idx].reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        model.eval()
        with torch.no_grad():
            pred = model(xte[:, :LONGEST_TEST]).argmax(-1).numpy()
        f1, _ = macro_f1(yte.numpy(), pred)
        log(f'epoch {epoch + 1}/{args.epochs} loss {total / (len(xtr) // batch):.4f} test macro-F1 {f1:.4f}')

    model.eval()
    with torch.no_grad():
        pred = model(xte).argmax(-1).numpy()  # full padded length, as the SDK feeds it
    f1, per = macro_f1(yte.numpy(), pred)
    worst = sorted(per.items(), key=lambda kv: kv[1])[:5]
    log(f'final macro-F1 {f1:.4f}; lowest: {worst}')

    model_path = os.path.join(MODELS_DIR, 'report-textcnn-phantom.onnx')
    vocab_path = os.path.join(MODELS_DIR, 'report-textcnn-phantom.vocab.json')
    export_onnx(model, torch.zeros(1, MAX_LENGTH, dtype=torch.int64), model_path, ['tokens'], ['logits'],
                {'tokens': {0: 'batch', 1: 'length'}, 'logits': {0: 'batch'}})
    with open(vocab_path, 'w') as f:
        json.dump({'tokens': tokens, 'padId': 0, 'unkId': 1, 'maxLength': MAX_LENGTH}, f)
        f.write('\n')
    on = measured_on('phantom-reports', 2000, args.test)
    pos = [v for k, v in per.items() if k.endswith('/positive')]
    neg = [v for k, v in per.items() if k.endswith('/negative')]
    unc = [v for k, v in per.items() if k.endswith('/uncertain')]
    write_entry({
        'id': MODEL_ID,
        'title': 'Report labeler: Kim-style text CNN, 14 CheXpert observations (synthetic reports)',
        'task': 'report-text',
        'datasets': ['phantom-reports'],
        'architecture': 'Kim 2014 text CNN (CNN-rand: 48-d embeddings, windows 3/5/7 x 64 maps, max-over-time), 14 x 4-way softmax head',
        'files': [file_record(model_path, 'model'), file_record(vocab_path, 'vocab')],
        'opset': OPSET,
        'io': {
            'inputs': [{'name': 'tokens', 'dtype': 'int64', 'dims': [-1, -1], 'layout': 'NL'}],
            'outputs': [{'name': 'logits', 'dtype': 'float32', 'dims': [-1, len(OBSERVATIONS), len(CLASSES)], 'layout': 'NLC',
                         'channels': CLASSES, 'description': 'per observation (labels order) 4 logits: not mentioned, positive, negative, uncertain (CheXpert blank, 1, 0, -1)'}],
        },
        'tokenizer': {'lowercase': True, 'split': 'words-and-punctuation', 'maxLength': MAX_LENGTH, 'padding': 'post',
                      'padToken': '<pad>', 'unknownToken': '<unk>', 'inputDtype': 'int64'},
        'preprocess': [],
        # Browsers: 2 wasm threads measured faster than 1 on a quiet 2-core machine, where the default is 1 (BENCHMARKS.md, wasm threads per model).
        'inference': {'mode': 'whole', 'minWasmThreads': 2},
        'postprocess': [{'op': 'softmax', 'axis': -1}],
        'labels': OBSERVATIONS,
        'intendedUse': INTENDED_USE,
        'metrics': {
            'macroF1': {'value': round(f1, 4), 'measuredOn': on},
            'macroF1Positive': {'value': round(float(np.mean(pos)), 4), 'measuredOn': on},
            'macroF1Negative': {'value': round(float(np.mean(neg)), 4), 'measuredOn': on},
            'macroF1Uncertain': {'value': round(float(np.mean(unc)), 4), 'measuredOn': on},
        },
        'source': {'kind': 'bundled', 'script': 'scripts/models/train_report_cnn.py'},
    })


if __name__ == '__main__':
    main()
