# The teacher-scorer image. Build from the repository root after `mvn -B -DskipTests package`
# (which writes the service's own artifact, teacher-scorer/target/teacher-scorer-<version>.jar, and its
# teacher-scorer/target/lib/ with only the service's dependencies):
#   docker build -f deploy/docker/teacher-scorer.Dockerfile -t distill/teacher-scorer:0.1.0 .
FROM eclipse-temurin:17-jre

# a numeric non-root user, so that Kubernetes can verify runAsNonRoot without reading /etc/passwd
RUN groupadd --system --gid 10001 distill \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/distill --no-create-home distill \
 && mkdir -p /var/lib/distill \
 && chown 10001:10001 /var/lib/distill

COPY teacher-scorer/target/lib/ /opt/distill/lib/
COPY teacher-scorer/target/teacher-scorer-0.1.0-SNAPSHOT.jar /opt/distill/teacher-scorer.jar

# writable folders are volumes in Kubernetes (read-only root file system): /tmp and DISTILL_HOME
# (logs: JSON lines on stdout, the service's own logback.xml)
ENV DISTILL_HOME=/var/lib/distill
USER 10001:10001
WORKDIR /var/lib/distill
EXPOSE 8081

# exec form: the JVM is PID 1 and receives SIGTERM for its graceful shutdown.
# tmpdir: ONNX Runtime unpacks its natives there (a volume: the root file system is read-only).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "-jar", "/opt/distill/teacher-scorer.jar"]
