package dev.distill.publisher.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.ota.DeltaCodec;
import dev.distill.publisher.store.ArtifactStore.DeltaBusyException;
import dev.distill.publisher.store.ArtifactStore.DeltaLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreTest {
  @TempDir Path dir;

  private static byte[] bytes(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static long deltaFilesBytes(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve("deltas"))) {
      return s.mapToLong(p -> p.toFile().length()).sum();
    }
  }

  @Test
  void deletingAnArtifactTakesTheCachedDeltasFromAndToItAndTheirBytesOffTheCache() throws Exception {
    ArtifactStore store = new ArtifactStore(dir, new DeltaLimits(10_000, 2), (b, t) -> new byte[1000]);
    String a = store.put(bytes(1, 100), null);
    String b = store.put(bytes(2, 100), null);
    String c = store.put(bytes(3, 100), null);
    store.delta(a, b).orElseThrow();
    store.delta(b, c).orElseThrow();
    store.delta(a, c).orElseThrow();

    store.delete(b);

    assertThat(store.has(b)).isFalse();
    assertThat(store.artifacts()).containsExactlyInAnyOrder(a, c);
    assertThat(dir.resolve("deltas").resolve(a + "-" + b)).doesNotExist();
    assertThat(dir.resolve("deltas").resolve(b + "-" + c)).doesNotExist();
    assertThat(dir.resolve("deltas").resolve(a + "-" + c)).exists();
    assertThat(store.deltaCacheBytes()).isEqualTo(1000);
    assertThat(deltaFilesBytes(dir)).isEqualTo(1000);
    assertThat(store.delta(a, b)).as("a delta to a deleted artifact").isEmpty();
  }

  @Test
  void theDeltaCacheEvictsTheLeastRecentlyUsedToStayUnderItsCap() throws Exception {
    // each delta is 1000 bytes: three fit under 3500
    ArtifactStore store = new ArtifactStore(dir, new DeltaLimits(3500, 2), (b, t) -> new byte[1000]);
    List<String> shas = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      shas.add(store.put(bytes(i, 100), null));
    }
    Path first = store.delta(shas.get(0), shas.get(1)).orElseThrow();
    store.delta(shas.get(1), shas.get(2)).orElseThrow();
    store.delta(shas.get(2), shas.get(3)).orElseThrow();
    store.delta(shas.get(0), shas.get(1)).orElseThrow(); // used again: no longer the oldest
    store.delta(shas.get(3), shas.get(4)).orElseThrow();

    assertThat(store.deltaCacheBytes()).isEqualTo(3000);
    assertThat(deltaFilesBytes(dir)).isEqualTo(3000);
    assertThat(first).exists();
    assertThat(dir.resolve("deltas").resolve(shas.get(1) + "-" + shas.get(2))).doesNotExist();
  }

  @Test
  void aDeltaLargerThanTheWholeCacheIsNotKept() throws Exception {
    ArtifactStore store = new ArtifactStore(dir, new DeltaLimits(500, 1), (b, t) -> new byte[1000]);
    String a = store.put(bytes(1, 100), null);
    String b = store.put(bytes(2, 100), null);
    assertThat(store.delta(a, b)).isEmpty();
    assertThat(store.deltaCacheBytes()).isZero();
    assertThat(deltaFilesBytes(dir)).isZero();
  }

  @Test
  void beyondTheComputationLimitADeltaIsRefusedNotQueued() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ArtifactStore store = new ArtifactStore(dir, new DeltaLimits(1 << 20, 1), (b, t) -> {
      started.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new byte[10];
    });
    String a = store.put(bytes(1, 100), null);
    String b = store.put(bytes(2, 100), null);
    String c = store.put(bytes(3, 100), null);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Optional<Path>> slow = pool.submit(() -> store.delta(a, b));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      Future<Optional<Path>> samePair = pool.submit(() -> store.delta(a, b)); // waits for the running one

      assertThatThrownBy(() -> store.delta(b, c)).isInstanceOf(DeltaBusyException.class);
      assertThat(store.deltasComputing()).isEqualTo(1);

      release.countDown();
      assertThat(slow.get(10, TimeUnit.SECONDS)).isPresent();
      assertThat(samePair.get(10, TimeUnit.SECONDS)).isEqualTo(slow.get());
      assertThat(store.delta(b, c)).isPresent(); // a slot is free again
      assertThat(store.peakDeltasComputing()).isEqualTo(1);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void aPairIsComputedOnceAndServedFromTheCacheAfter() throws Exception {
    AtomicInteger computed = new AtomicInteger();
    ArtifactStore store = new ArtifactStore(dir, new DeltaLimits(1 << 20, 2), (b, t) -> {
      computed.incrementAndGet();
      return DeltaCodec.encode(b, t);
    });
    String a = store.put(bytes(1, 1000), null);
    String b = store.put(bytes(2, 1000), null);
    for (int i = 0; i < 3; i++) {
      assertThat(store.delta(a, b)).isPresent();
    }
    assertThat(computed).hasValue(1);
  }

  @Test
  void deltasLeftByAnEarlierRunCountAgainstTheCapAtStartUp() throws Exception {
    ArtifactStore first = new ArtifactStore(dir, new DeltaLimits(1 << 20, 1), (b, t) -> new byte[1000]);
    List<String> shas = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      shas.add(first.put(bytes(i, 100), null));
    }
    for (int i = 0; i < 3; i++) {
      first.delta(shas.get(i), shas.get(i + 1)).orElseThrow();
    }
    Files.writeString(dir.resolve("deltas").resolve(".part-crashed.tmp"), "half");

    ArtifactStore second = new ArtifactStore(dir, new DeltaLimits(2500, 1), (b, t) -> new byte[1000]);
    assertThat(second.deltaCacheBytes()).isEqualTo(2000);
    assertThat(deltaFilesBytes(dir)).isEqualTo(2000);
  }
}
