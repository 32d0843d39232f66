# The teacher-scorer image. Build from the repository root after `mvn -B -DskipTests package`
# (which writes cli/target/distill.jar and its cli/target/lib/):
#   docker build -f deploy/docker/teacher-scorer.Dockerfile -t distill/teacher-scorer:0.1.0 .
# All three images carry the one CLI artifact and differ in the command they run.
FROM eclipse-temurin:17-jre

# a numeric non-root user, so that Kubernetes can verify runAsNonRoot without reading /etc/passwd
RUN groupadd --system --gid 10001 distill \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/distill --no-create-home distill \
 && mkdir -p /var/lib/distill \
 && chown 10001:10001 /var/lib/distill

COPY cli/target/lib/ /opt/distill/lib/
COPY cli/target/distill.jar /opt/distill/distill.jar

# writable folders are volumes in Kubernetes (read-only root file system): /tmp and DISTILL_HOME
ENV DISTILL_HOME=/var/lib/distill \
    DISTILL_LOG_FORMAT=json
USER 10001:10001
WORKDIR /var/lib/distill
EXPOSE 8081

# exec form: the JVM is PID 1 and receives SIGTERM for its graceful shutdown.
# -Dai.djl.offline: DJL must not reach for the network at start-up; tmpdir: ONNX Runtime unpacks there.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "-Dai.djl.offline=true", "-jar", "/opt/distill/distill.jar", "scorer"]
