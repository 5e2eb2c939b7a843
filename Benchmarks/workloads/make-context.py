#!/usr/bin/env python3
"""Writes the build context of the benchmark's COPY workload (Benchmarks/run.sh, workload 4).

    make-context.py DIR MEGABYTES

About MEGABYTES (10^6 bytes) in MEGABYTES * 20 files averaging 50 KB, 100 per directory,
alternating text (words drawn from a small vocabulary, compressible) and random bytes
(incompressible): the tree Benchmarks/layer-pack.sh packs, but every byte comes from a
seeded generator, so two runs write the same tree and the figures of different machines
and commits are about the same input.
"""
import os
import random
import sys

root, megabytes = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
words = [''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rng.randint(2, 9)))
         for _ in range(5000)]
corpus = ' '.join(rng.choice(words) for _ in range(800_000)).encode()
for index in range(megabytes * 20):
    directory = os.path.join(root, 'dir%03d' % (index // 100))
    os.makedirs(directory, exist_ok=True)
    size = rng.randint(1_000, 99_000)
    if index % 2:
        data = rng.randbytes(size)
    else:
        start = rng.randrange(len(corpus) - size)
        data = corpus[start:start + size]
    with open(os.path.join(directory, 'file%05d' % index), 'wb') as f:
        f.write(data)
