package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A client that stops reading: nothing blocks, at most the latest event waits, and it is noticed. */
class StreamWriterTest {
  /** A response stream whose client takes bytes only when the test says so. */
  static class SlowClientStream extends ServletOutputStream {
    final ByteArrayOutputStream taken = new ByteArrayOutputStream();
    boolean ready = true;
    WriteListener listener;

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setWriteListener(WriteListener l) {
      listener = l;
    }

    @Override
    public void write(int b) {
      if (!ready) {
        throw new IllegalStateException("a write while not ready would block");
      }
      taken.write(b);
    }

    String text() {
      return taken.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void aClientThatStopsReadingBlocksNothingAndGetsOnlyTheLatestEventWhenItResumes() throws Exception {
    SlowClientStream out = new SlowClientStream();
    AtomicBoolean failed = new AtomicBoolean();
    StreamWriter w = new StreamWriter(out, Runnable::run, () -> failed.set(true));
    w.event("e1".getBytes(StandardCharsets.UTF_8));
    assertThat(out.text()).isEqualTo("e1");

    out.ready = false; // the client stopped reading
    long t0 = System.nanoTime();
    for (int i = 2; i <= 1000; i++) {
      w.event(("e" + i).getBytes(StandardCharsets.UTF_8));
      w.keepAlive();
    }
    assertThat(out.text()).isEqualTo("e1");
    assertThat(w.stuckLongerThan(0, System.nanoTime() + 1)).isTrue();
    assertThat(w.stuckLongerThan(1_000_000_000L, t0)).isFalse();

    out.ready = true;
    out.listener.onWritePossible();
    assertThat(out.text()).isEqualTo("e1e1000");
    assertThat(w.stuckLongerThan(0, System.nanoTime() + 1)).isFalse();
    assertThat(failed).isFalse();
  }

  @Test
  void aKeepAliveIsSentOnlyWhenNothingElseIsWaiting() {
    SlowClientStream out = new SlowClientStream();
    StreamWriter w = new StreamWriter(out, Runnable::run, () -> { });
    w.keepAlive();
    assertThat(out.text()).isEqualTo(": keep-alive\n\n");
  }

  @Test
  void aFailedWriteClosesTheStream() {
    ServletOutputStream broken = new SlowClientStream() {
      @Override
      public void write(byte[] b, int off, int len) throws java.io.IOException {
        throw new java.io.IOException("connection reset");
      }
    };
    AtomicBoolean failed = new AtomicBoolean();
    new StreamWriter(broken, Runnable::run, () -> failed.set(true)).event(new byte[] {1});
    assertThat(failed).isTrue();
  }
}
