FROM busybox AS a
RUN sleep 1 && echo a > /a

FROM busybox AS b
RUN sleep 1 && echo b > /b

FROM busybox AS c
RUN sleep 1 && echo c > /c

FROM busybox AS d
RUN sleep 1 && echo d > /d

FROM busybox AS broken
RUN exit 1

FROM busybox
COPY --from=a /a /a
COPY --from=B /b /b
COPY --from=2 /c /c
RUN --mount=from=d,source=/d,target=/mnt/d cat /mnt/d
