# Workload 5: four stages with no path between them in the stage graph, each spending
# about a second in RUN, joined by a final stage. Built one stage at a time this takes
# 4 s of sleeping; with the four side by side, 1 s.
FROM busybox AS a
RUN sleep 1 && echo a > /a.txt

FROM busybox AS b
RUN sleep 1 && echo b > /b.txt

FROM busybox AS c
RUN sleep 1 && echo c > /c.txt

FROM busybox AS d
RUN sleep 1 && echo d > /d.txt

FROM busybox
COPY --from=a /a.txt /a.txt
COPY --from=b /b.txt /b.txt
COPY --from=c /c.txt /c.txt
COPY --from=d /d.txt /d.txt
