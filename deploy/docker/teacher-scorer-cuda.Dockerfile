# The teacher-scorer image for NVIDIA GPUs: ONNX Runtime's CUDA provider. Build from the repository root
# after the cuda build, which puts onnxruntime_gpu (instead of onnxruntime) into teacher-scorer/target/lib/:
#   mvn -B -Pcuda -DskipTests package && docker build -f deploy/docker/teacher-scorer-cuda.Dockerfile -t distill.local/teacher-scorer:0.1.0-cuda .
# onnxruntime_gpu 1.24 loads CUDA 12.x and cuDNN 9 from the system: this base has both (the CPU image,
# built by Jib from Debian packages, cannot); the node's driver comes in through the NVIDIA container
# toolkit. Without a usable GPU the scorer says why in one WARN line and scores on the CPU.
FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

# Ubuntu's JRE 17, as the CPU image has Debian's; no recommends (no fonts, no X11)
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*

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
