# The student-trainer image for NVIDIA GPUs: PyTorch's CUDA 12.4 natives. Build from the repository root
# after the cuda build, which puts pytorch-native-cu124 (2.3 GB, instead of the CPU natives) into
# student-trainer/target/lib/:
#   mvn -B -Pcuda -DskipTests package && docker build -f deploy/docker/student-trainer-cuda.Dockerfile -t distill.local/student-trainer:0.1.0-cuda .
# The production overlay runs this tag on a GPU node; the node's driver comes in through the NVIDIA
# container toolkit. CUDA 12.4 and cuDNN 9 match what those natives were built with.
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
