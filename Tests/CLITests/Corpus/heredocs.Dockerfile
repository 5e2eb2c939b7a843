FROM busybox
RUN <<EOF
set -e
echo "building as $(id -u)"
EOF
COPY <<config.json <<'run.sh' /etc/app/
{"port": 8080}
config.json
#!/bin/sh
exec /app --config /etc/app/config.json "$@"
run.sh
RUN <<-SCRIPT sh
	echo tabs are stripped
	SCRIPT
RUN python3 /dev/fd/3 3<<"PY"
print("$HOME stays literal")
PY
