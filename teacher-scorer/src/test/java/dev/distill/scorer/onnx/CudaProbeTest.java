package dev.distill.scorer.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaProbeTest {
  @TempDir Path dir;

  @Test
  void aLibraryCountsAsFoundInAFolderOfTheSearchPathOrByNameInTheLoadersCache() throws Exception {
    Files.createFile(dir.resolve("libcudnn.so.9"));
    String cache = "ld.so-1.7.0\0libcublas.so.12\0/usr/local/cuda-12.4/lib64/libcublas.so.12\0libcudart.so.13\0";

    assertThat(CudaProbe.missingLibraries(List.of(dir), cache))
        .containsExactly("libcudart.so.12", "libcublasLt.so.12", "libcufft.so.11", "libcurand.so.10");
  }

  @Test
  void aNativeMessageBecomesOneLineOfBoundedLength() {
    assertThat(CudaProbe.oneLine("CUDA failure 100:\n  no CUDA-capable device is detected ; GPU=0\n"))
        .isEqualTo("CUDA failure 100: no CUDA-capable device is detected ; GPU=0");
    assertThat(CudaProbe.oneLine("x".repeat(1000))).hasSize(304).endsWith(" ...");
    assertThat(CudaProbe.oneLine(null)).isEqualTo("no detail");
  }
}
