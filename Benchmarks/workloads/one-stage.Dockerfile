# The cold overhead of one stage (workload 5's yardstick): one of workload 5's stages
# without its sleep, built alone with --no-cache.
FROM busybox
RUN echo a > /a.txt
