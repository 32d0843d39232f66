package dev.distill.client.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import dev.distill.contract.ota.OtaApi.Assignment;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A server that answers with an endless JSON body is cut off at the cap, not read into memory. */
class ResponseLimitTest {
  HttpServer server;
  ExecutorService threads = Executors.newFixedThreadPool(2);
  final AtomicLong sent = new AtomicLong();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    server.setExecutor(threads);
    server.createContext("/v1/devices/dev-1/events", ex -> {
      ex.getResponseHeaders().add("Content-Type", "text/event-stream");
      ex.sendResponseHeaders(200, 0);
      String line = "data: " + " ".repeat(64 * 1024) + "\n";
      try (OutputStream out = ex.getResponseBody()) {
        // a valid assignment of 2 MiB (JSON whitespace): it would be applied if it were read
        out.write("event: assignment\ndata: {\"version\":2,\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 32; i++) {
          out.write(line.getBytes(StandardCharsets.US_ASCII));
        }
        out.write(("data: \"model\":\"m\"}\n\nevent: assignment\nid: r1/3\ndata: {\"deviceId\":\"dev-1\",\"model\":\"m\",\"version\":3}\n\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(5_000);
      } catch (IOException | InterruptedException clientGone) {
        // the stream ends with the test
      }
    });
    server.createContext("/", ex -> {
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(ex.getRequestURI().getPath().endsWith("/assignment") ? 200 : 500, 0); // chunked, no length
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) ' ');
      try (OutputStream out = ex.getResponseBody()) {
        out.write("{\"deviceId\":\"".getBytes(StandardCharsets.US_ASCII));
        while (sent.get() < (1L << 30)) { // 1 GiB: far more than a device can hold
          out.write(chunk);
          sent.addAndGet(chunk.length);
        }
      } catch (IOException clientGone) {
        // the client stopped reading: expected
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    threads.shutdownNow();
  }

  @Test
  @Timeout(30)
  void anOversizedEventIsDiscardedAndTheNextOneStillArrives() throws Exception {
    PublisherClient client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)),
        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
    BlockingQueue<Assignment> received = new LinkedBlockingQueue<>();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (EventStream events = new EventStream(client, "dev-1", "token", null, scheduler, received::add).open()) {
      Assignment first = received.poll(20, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(first.version()).isEqualTo(3);
      assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  @Timeout(30)
  void anOversizedJsonAnswerIsRefusedAfterTheCap() {
    PublisherClient client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)),
        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
    assertThatThrownBy(() -> client.assignment("dev-1", "token"))
        .isInstanceOfSatisfying(PublisherException.class, e -> assertThat(e.code()).isEqualTo("RESPONSE_TOO_LARGE"));
    assertThatThrownBy(() -> client.keys())
        .isInstanceOfSatisfying(PublisherException.class, e -> assertThat(e.code()).isEqualTo("RESPONSE_TOO_LARGE"));
    assertThat(sent.get()).isLessThan(1L << 30);
  }
}
