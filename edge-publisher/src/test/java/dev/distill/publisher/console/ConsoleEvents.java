package dev.distill.publisher.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A console event stream as the page opens it (admin token, Accept: text/event-stream), read line by line. */
public final class ConsoleEvents implements AutoCloseable {
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final HttpResponse<Stream<String>> response;

  public ConsoleEvents(HttpClient http, PublisherService publisher) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(publisher.adminUri().resolve(ConsoleApi.EVENTS))
        .header("Authorization", "Bearer " + TestPublishers.ADMIN).header("Accept", "text/event-stream").build();
    response = http.send(req, HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("text/event-stream"));
    Thread reader = new Thread(() -> {
      try {
        response.body().forEach(lines::add);
      } catch (RuntimeException e) {
        // the stream was closed
      }
    }, "test-console-events");
    reader.setDaemon(true);
    reader.start();
  }

  /** The line after the next line equal to {@code marker} (e.g. the data of an event), waiting up to 30 s. */
  public String nextAfter(String marker) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(200, TimeUnit.MILLISECONDS);
      if (marker.equals(line)) {
        String next = lines.poll(30, TimeUnit.SECONDS);
        assertThat(next).as("the line after " + marker).isNotNull();
        return next;
      }
    }
    throw new AssertionError("no '" + marker + "' within 30 s");
  }

  /** The data of the next {@code model} event. */
  public String nextModelEvent() throws InterruptedException {
    return nextAfter("event: model");
  }

  @Override
  public void close() {
    response.body().close();
  }
}
