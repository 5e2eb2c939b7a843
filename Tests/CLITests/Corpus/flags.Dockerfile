FROM busybox AS deps
RUN --mount=type=cache,target=/root/.cache,sharing=locked \
    --mount=type=tmpfs,target=/tmp \
    --mount=type=secret,id=npmrc,target=/root/.npmrc \
    --network=none \
    --security=sandbox \
    echo deps

FROM deps
COPY --chown=app:app --chmod=0644 --link --exclude=*.md --exclude=.git --parents ./src/ /app/
ADD --chown=1:1 --chmod=755 --link=false --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tgz /opt/
ADD --keep-git-dir=true https://example.com/repo.git#main /src
COPY ["with space.txt", "/dest dir/"]
RUN ["/bin/echo", "exec form"]
