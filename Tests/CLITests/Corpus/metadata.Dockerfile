FROM busybox AS base
MAINTAINER Jane Doe <jane@example.com>
LABEL description="a \"quoted\" label" version=1
ENV LEGACY value with spaces
ENV A=1 B=$A
USER 1000:1000
WORKDIR /srv
EXPOSE 8080/tcp 9090/udp
VOLUME ["/data"]
VOLUME /cache /logs
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD wget -q -O- http://localhost:8080/health || exit 1
SHELL ["/bin/sh", "-eu", "-c"]
ONBUILD COPY . /srv/src
ONBUILD RUN make -C /srv/src
CMD ["--port", "8080"]
ENTRYPOINT ["/srv/app"]

FROM base
HEALTHCHECK NONE
CMD echo shell form
