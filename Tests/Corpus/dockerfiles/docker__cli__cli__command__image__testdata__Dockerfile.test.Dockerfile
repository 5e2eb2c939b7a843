FROM busybox
ADD ./README.md /
CMD ["cat", "/README.md"]
