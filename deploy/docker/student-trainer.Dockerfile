# The student-trainer image. Build from the repository root after `mvn -B -DskipTests package`
# (which writes the service's own artifact, student-trainer/target/student-trainer-<version>.jar, and its
# student-trainer/target/lib/ with only the service's dependencies):
#   docker build -f deploy/docker/student-trainer.Dockerfile -t distill/student-trainer:0.1.0 .
FROM eclipse-temurin:17-jre

# a numeric non-root user, so that Kubernetes can verify runAsNonRoot without reading /etc/passwd
RUN groupadd --system --gid 10001 distill \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/distill --no-create-home distill \
 && mkdir -p /var/lib/distill \
 && chown 10001:10001 /var/lib/distill

COPY student-trainer/target/lib/ /opt/distill/lib/
COPY student-trainer/target/student-trainer-0.1.0-SNAPSHOT.jar /opt/distill/student-trainer.jar

# writable folders are volumes in Kubernetes (read-only root file system): /tmp and DISTILL_HOME
# (logs: JSON lines on stdout, the service's own logback.xml)
ENV DISTILL_HOME=/var/lib/distill
# PyTorch's OpenMP threads sleep rather than spin while they wait (TOOLCHAIN.md)
ENV OMP_WAIT_POLICY=PASSIVE
USER 10001:10001
WORKDIR /var/lib/distill
EXPOSE 8082

# exec form: the JVM is PID 1 and receives SIGTERM for its graceful shutdown.
# -Dai.djl.offline: DJL must not reach for the network at start-up; tmpdir: ONNX Runtime unpacks there.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "-Dai.djl.offline=true", "-jar", "/opt/distill/student-trainer.jar"]
