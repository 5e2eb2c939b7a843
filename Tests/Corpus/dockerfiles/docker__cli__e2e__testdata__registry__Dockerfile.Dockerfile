FROM registry:3
COPY auth /auth
COPY certs /certs
