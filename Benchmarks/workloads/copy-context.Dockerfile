# Workload 4: the whole context (Benchmarks/workloads/make-context.py, ~150 MB in a few
# thousand files) copied into the busybox base as one layer.
FROM busybox
COPY . /data/
