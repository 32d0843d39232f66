package dev.distill.client.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device killed at each point of an install, then started again: it runs the old model or the
 * new one, whole and with the hash it was installed with, never a half-written file; and a slot
 * whose bytes changed on the disk is not run.
 */
class SlotsCrashTest {
  @TempDir Path dir;

  static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static byte[] model(String text) {
    return text.repeat(1000).getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void killedWhileWritingTheNewSlotOrBeforeSwitchingItTheDeviceRunsTheOldModelWhole() throws Exception {
    byte[] v1 = model("one");
    byte[] v2 = model("two");
    new Slots(dir).install(v1, 1, sha(v1), "r1");

    // killed half-way through writing the inactive slot: a partial temp file is all that changed
    Files.write(dir.resolve("slot-b.onnx.tmp"), java.util.Arrays.copyOf(v2, v2.length / 2));
    Slots restarted = new Slots(dir);
    assertThat(restarted.activeIntact()).get().satisfies(s -> {
      assertThat(s.version()).isEqualTo(1);
      assertThat(Files.readAllBytes(s.file())).isEqualTo(v1);
    });

    // killed after the slot's rename, before the state's: the new bytes are there but not named
    Files.write(dir.resolve("slot-b.onnx"), v2);
    assertThat(new Slots(dir).activeIntact()).get().extracting(Slots.Slot::version).isEqualTo(1L);

    // the install, run again after the restart, completes
    Slots again = new Slots(dir);
    again.install(v2, 2, sha(v2), "r2");
    assertThat(new Slots(dir).activeIntact()).get().satisfies(s -> {
      assertThat(s.version()).isEqualTo(2);
      assertThat(Files.readAllBytes(s.file())).isEqualTo(v2);
    });
  }

  @Test
  void aSlotWhoseBytesChangedOnTheDiskIsNotRunAndThePreviousOneIs() throws Exception {
    byte[] v1 = model("one");
    byte[] v2 = model("two");
    Slots slots = new Slots(dir);
    slots.install(v1, 1, sha(v1), "r1");
    Slots.Slot active = slots.install(v2, 2, sha(v2), "r2");
    byte[] flipped = v2.clone();
    flipped[100] ^= 1;
    Files.write(active.file(), flipped);

    assertThat(new Slots(dir).activeIntact()).get().extracting(Slots.Slot::version).isEqualTo(1L);

    Files.write(dir.resolve("slot-a.onnx"), model("bad"));
    assertThat(new Slots(dir).activeIntact()).as("no intact slot: no model").isEmpty();
    assertThat(new Slots(dir).active()).isEmpty();
  }
}
