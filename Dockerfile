# Latchkey: a static binary in a distroless image, running as a non-root
# user, with the embedded SQLite store on the /data volume by default.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/latchkey ./cmd/latchkey \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/latchkey /usr/local/bin/latchkey
# The data directory belongs to the non-root user (uid 65532).
COPY --from=build --chown=65532:65532 /out/data /data
ENV LATCHKEY_DATA_DIR=/data \
    LATCHKEY_LISTEN=:8080
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/latchkey"]
CMD ["serve"]
