# The edge-publisher image. Build from the repository root after `mvn -B -DskipTests package`
# (which writes the service's own artifact, edge-publisher/target/edge-publisher-<version>.jar, and its
# edge-publisher/target/lib/ with only the service's dependencies):
#   docker build -f deploy/docker/edge-publisher.Dockerfile -t distill/edge-publisher:0.1.0 .
FROM eclipse-temurin:17-jre

# a numeric non-root user, so that Kubernetes can verify runAsNonRoot without reading /etc/passwd
RUN groupadd --system --gid 10001 distill \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/distill --no-create-home distill \
 && mkdir -p /var/lib/distill \
 && chown 10001:10001 /var/lib/distill

COPY edge-publisher/target/lib/ /opt/distill/lib/
COPY edge-publisher/target/edge-publisher-0.1.0-SNAPSHOT.jar /opt/distill/edge-publisher.jar

# writable folders are volumes in Kubernetes (read-only root file system): /tmp and DISTILL_HOME
# (logs: JSON lines on stdout, the service's own logback.xml)
ENV DISTILL_HOME=/var/lib/distill
USER 10001:10001
WORKDIR /var/lib/distill
EXPOSE 8083 8090 8091

# exec form: the JVM is PID 1 and receives SIGTERM for its graceful shutdown.
# tmpdir: ONNX Runtime unpacks its natives there (a volume: the root file system is read-only).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "-jar", "/opt/distill/edge-publisher.jar"]
