package dev.distill.publisher.console;

import dev.distill.contract.proto.CandidateDecision;
import dev.distill.publisher.http.ApiException;
import dev.distill.publisher.http.AsyncStream;
import dev.distill.publisher.http.ErrorCode;
import dev.distill.publisher.http.Json;
import dev.distill.publisher.http.VersionJson;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.VersionInfo;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.staticfiles.Location;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's routes on the admin port. The JSON ones sit under {@code /v1/admin/}, so the admin
 * API's operator check covers them (a viewer may read all of them); the page itself and its
 * libraries are static files anyone who reaches the admin port may load: they hold no data, which
 * comes only through the JSON routes with the operator's token.
 */
public final class ConsoleApi implements AutoCloseable {
  public static final String PIPELINE = "/v1/admin/console/pipeline";
  public static final String LEARNING = "/v1/admin/console/models/{model}/learning";
  public static final String EVENTS = "/v1/admin/console/events";
  /** Where the page's files are, on the classpath and under the admin port. */
  public static final String PAGE = "/console";
  /** Console pages open at once, at most: each holds a stream and a place on the console thread's round. */
  public static final int MAX_STREAMS = 32;

  private final FleetView view;
  private final Console console;
  private final ConsoleStreams streams;

  /** @param keepAlive how often an idle event stream gets a comment */
  public ConsoleApi(FleetView view, Console console, Duration keepAlive) {
    this.view = view;
    this.console = console;
    this.streams = new ConsoleStreams(console.pipeline(), PipelineWatch.INTERVAL, keepAlive, MAX_STREAMS);
    view.onChange(streams::modelChanged);
    view.onVersion(streams::modelChanged);
    console.candidates().onDecision(streams::modelChanged);
  }

  /** The page's files from the classpath folder {@value #PAGE}, and the webjars its scripts come in (at /webjars/). */
  public static void staticFiles(JavalinConfig config) {
    config.staticFiles.add(files -> {
      files.hostedPath = PAGE;
      files.directory = PAGE;
      files.location = Location.CLASSPATH;
    });
    // Javalin refuses to start when no webjar is on the classpath; the page's own dependency brings one
    if (ConsoleApi.class.getClassLoader().getResource("META-INF/resources/webjars") != null) {
      config.staticFiles.enableWebjars();
    }
  }

  public void routes(RoutesConfig r) {
    // the page's relative links need the folder's URL; Javalin would serve index.html at either
    r.before(PAGE, ctx -> {
      if (ctx.req().getRequestURI().equals(PAGE)) {
        ctx.redirect(PAGE + "/");
        ctx.skipRemainingHandlers();
      }
    });
    r.get(PIPELINE, ctx -> Json.ok(ctx, console.pipeline().current()));
    r.get(LEARNING, ctx -> Json.ok(ctx, learning(ctx.pathParam("model"))));
    r.before(EVENTS, ctx -> {
      AsyncStream.requireEventStream(ctx);
      // last: once a place is taken, the stream handler runs and opens the stream
      if (!streams.reserve()) {
        throw new ApiException(ErrorCode.TOO_MANY_REQUESTS,
            MAX_STREAMS + " console pages are open on this replica; close one or retry later", 15);
      }
    });
    r.sse(EVENTS, streams::open);
  }

  /** What the model learned, version by version, and what the gate made of its candidates. */
  Map<String, Object> learning(String model) {
    List<VersionInfo> versions = view.versions(model);
    List<CandidateDecision> decisions = console.candidates().decisions(model);
    if (versions.isEmpty() && decisions.isEmpty() && !view.models().contains(model)) {
      throw new ApiException(ErrorCode.UNKNOWN_MODEL, "no model named " + model);
    }
    List<Object> v = new ArrayList<>();
    versions.forEach(info -> v.add(VersionJson.of(info)));
    List<Object> c = new ArrayList<>();
    decisions.forEach(d -> c.add(candidate(d)));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", model);
    out.put("versions", v);
    out.put("candidates", c);
    return out;
  }

  private static Map<String, Object> candidate(CandidateDecision d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("decidedAtMs", d.getDecidedAtMs());
    m.put("verdict", switch (d.getVerdict()) {
      case PUBLISH -> "PUBLISH";
      case REJECT -> "REJECT";
      default -> "NOT_JUDGED"; // an unknown verdict from a newer trainer was judged by no rule this page knows
    });
    m.put("reason", d.getReason());
    m.put("publishedVersion", d.getPublishedVersion());
    m.put("parentVersion", d.getParentVersion());
    m.put("metrics", d.getMetricsMap());
    m.put("samplesSeen", d.getSamplesSeen());
    m.put("trainer", d.getTrainer());
    return m;
  }

  /** Open console streams on this replica. */
  public int connected() {
    return streams.connected();
  }

  @Override
  public void close() {
    streams.close();
  }
}
