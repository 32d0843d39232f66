package dev.distill.platform.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class GracefulShutdownTest {

  @Test
  void partsCloseInReverseOrderOfRegistrationAndOnlyOnce() {
    List<String> closed = new CopyOnWriteArrayList<>();
    GracefulShutdown s = GracefulShutdown.onSignal("t", Duration.ofSeconds(10));
    s.register("broker", () -> closed.add("broker"));
    s.register("streams", () -> closed.add("streams"));
    s.register("http", () -> closed.add("http"));
    s.close();
    s.shutdown();
    assertThat(closed).containsExactly("http", "streams", "broker");
  }

  @Test
  void aPartThatHangsDoesNotKeepTheOthersOpen() throws Exception {
    List<String> closed = new CopyOnWriteArrayList<>();
    CountDownLatch never = new CountDownLatch(1);
    GracefulShutdown s = GracefulShutdown.onSignal("t", Duration.ofMillis(300));
    s.register("broker", () -> closed.add("broker"));
    s.register("stuck", never::await);
    s.close();
    // the stuck part used up the budget; the broker still got its close call
    assertThat(closed).containsExactly("broker");
  }

  @Test
  void aFailingPartIsLoggedAndTheRestStillClose() {
    List<String> closed = new CopyOnWriteArrayList<>();
    GracefulShutdown s = GracefulShutdown.onSignal("t", Duration.ofSeconds(10));
    s.register("a", () -> closed.add("a"));
    s.register("boom", () -> {
      throw new IllegalStateException("boom");
    });
    s.close();
    assertThat(closed).containsExactly("a");
  }
}
