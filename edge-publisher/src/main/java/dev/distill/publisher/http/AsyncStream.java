package dev.distill.publisher.http;

import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/**
 * One open event stream's request, as the servlet container holds it: knows when the request has
 * completed (closed here, or by the container when the client left) and ends it safely. Shared
 * by the devices' streams ({@link PushHub}) and the console's.
 */
public class AsyncStream implements AsyncListener {
  private final AsyncContext async;
  /** Set once the request has completed. */
  private volatile boolean done;
  /** Runs when the request completes (idempotent: it may run twice). */
  private volatile Runnable onDone = () -> { };

  /**
   * Refuses a request for an event stream that does not accept one (406), before the response
   * starts: the one rule of every stream route, devices' and console's.
   */
  public static void requireEventStream(Context ctx) {
    String accept = ctx.header("Accept");
    if (accept == null || !accept.contains("text/event-stream")) {
      throw new ApiException(ErrorCode.NOT_ACCEPTABLE, "event streams need 'Accept: text/event-stream'");
    }
  }

  public AsyncStream(SseClient client) {
    this.async = client.ctx().req().getAsyncContext();
  }

  /** Starts listening for the request's end; {@code onDone} then runs (possibly twice). */
  public void listen(Runnable onDone) {
    this.onDone = onDone;
    async.addListener(this);
  }

  public boolean done() {
    return done;
  }

  /**
   * Ends the response through the servlet's own AsyncContext, never SseClient.close(): that
   * resumes Javalin's pipeline on the request, and on a request the container has recycled
   * already (seen at shutdown with HTTP/2 streams whose client had closed them) the pipeline
   * fails in its error handler and retries it without end, logging gigabytes.
   */
  public void close() {
    if (!done) {
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // completed by the container before this listener was added: it will not be told
        done = true;
        onDone.run();
      }
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    done = true;
    onDone.run();
  }

  @Override
  public void onError(AsyncEvent event) {
    close();
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    close();
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not restarted
  }
}
