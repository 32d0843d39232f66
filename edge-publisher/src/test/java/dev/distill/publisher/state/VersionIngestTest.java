package dev.distill.publisher.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.distill.client.sim.Students;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.publisher.store.ArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions go to disk and only their metadata stays in memory; a pruned one leaves both. */
class VersionIngestTest {
  @TempDir Path dir;
  final FleetView view = new FleetView();

  @Test
  void manyVersionsLeaveOnlyTheirMetadataInTheViewAndTheirBytesOnDisk() throws Exception {
    ArtifactStore store = new ArtifactStore(dir);
    VersionIngest ingest = new VersionIngest(store, view);
    List<byte[]> artifacts = new ArrayList<>();
    for (int v = 1; v <= 40; v++) {
      byte[] onnx = Students.random(784, 32, 10, v, v); // about 100 KB each
      artifacts.add(onnx);
      // as an older trainer sent it: with its resume state inline
      ModelVersion mv = Students.version("m", v, onnx).toBuilder()
          .setResumeInline(ByteString.copyFrom(new byte[3 * onnx.length])).build();
      assertThat(ingest.ingest(mv, v)).isTrue();
    }
    List<VersionInfo> versions = view.versions("m");
    assertThat(versions).hasSize(40);
    for (VersionInfo info : versions) {
      byte[] onnx = artifacts.get((int) info.version() - 1);
      assertThat(info.metadata().getArtifactCase()).isEqualTo(ModelVersion.ArtifactCase.ARTIFACT_NOT_SET);
      assertThat(info.metadata().getResumeStateCase()).isEqualTo(ModelVersion.ResumeStateCase.RESUMESTATE_NOT_SET);
      assertThat(info.metadata().getSerializedSize()).as("metadata only").isLessThan(1024);
      assertThat(info.length()).isEqualTo(onnx.length);
      assertThat(Files.readAllBytes(store.path(info.sha256()).orElseThrow())).isEqualTo(onnx);
    }
    assertThat(store.artifacts()).hasSize(40);
  }

  @Test
  void theTrainersImageSignatureStaysWithTheVersionsMetadata() throws Exception {
    var root = new dev.distill.contract.ota.RootAuthority(dev.distill.contract.ota.Ed25519Keys.generate());
    var trainer = dev.distill.contract.ota.ImageSigner.certifiedBy(root, java.time.Instant.now(), java.time.Duration.ofDays(1));
    byte[] onnx = Students.random(784, 8, 10, 1, 1);
    ModelVersion signed = Students.version("m", 1, onnx, trainer);
    assertThat(new VersionIngest(new ArtifactStore(dir), view).ingest(signed, 1)).isTrue();
    VersionInfo info = view.version("m", 1).orElseThrow();
    assertThat(info.image()).isEqualTo(dev.distill.contract.ota.SignedImage.fromProto(signed.getImageSignature()));
    assertThat(info.image().certificate()).isEqualTo(trainer.certificate());
    new VersionIngest(new ArtifactStore(dir), view).ingest(Students.version("m", 2, onnx), 2);
    assertThat(view.version("m", 2).orElseThrow().image()).as("a version without one").isNull();
  }

  @Test
  void anArtifactAlreadyInTheStoreIsNotWrittenAgainOnReplay() throws Exception {
    ArtifactStore store = new ArtifactStore(dir);
    VersionIngest ingest = new VersionIngest(store, view);
    byte[] onnx = Students.random(784, 8, 10, 1, 1);
    ingest.ingest(Students.version("m", 1, onnx), 1);
    Path file = store.path(Students.sha256(onnx)).orElseThrow();
    Object written = Files.readAttributes(file, "unix:ino");
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_000));
    new VersionIngest(store, new FleetView()).ingest(Students.version("m", 1, onnx), 1);
    assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(1_000);
    assertThat(Files.readAttributes(file, "unix:ino")).isEqualTo(written);
  }

  @Test
  void aPrunedVersionIsForgottenAndItsArtifactDeletedUnlessAKeptVersionSharesIt() throws Exception {
    ArtifactStore store = new ArtifactStore(dir);
    VersionIngest ingest = new VersionIngest(store, view);
    byte[] a = Students.random(784, 8, 10, 1, 1);
    byte[] b = Students.random(784, 8, 10, 2, 2);
    ingest.ingest(Students.version("m", 1, a), 1);
    ingest.ingest(Students.version("m", 2, b), 2);
    ingest.ingest(Students.version("m", 3, b).toBuilder().setParentVersion(2).build(), 3); // retrained to the same bytes
    assertThat(ingest.forget("m", 2)).isTrue();
    assertThat(view.hasVersion("m", 2)).isFalse();
    assertThat(store.has(Students.sha256(b))).as("v3 has the same bytes").isTrue();
    assertThat(ingest.forget("m", 1)).isTrue();
    assertThat(store.has(Students.sha256(a))).isFalse();
    assertThat(ingest.forget("m", 1)).as("a tombstone read twice").isFalse();
    assertThat(ingest.forgotten()).isEqualTo(2);
    assertThat(store.artifacts()).containsExactly(Students.sha256(b));
  }
}
