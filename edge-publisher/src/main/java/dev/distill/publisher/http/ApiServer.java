package dev.distill.publisher.http;

import dev.distill.publisher.console.Console;
import dev.distill.publisher.console.ConsoleApi;
import dev.distill.publisher.rollout.RolloutController;
import dev.distill.publisher.sign.ManifestIssuer;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.StateLog;
import dev.distill.publisher.store.ArtifactStore;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.HttpResponseException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publisher's two HTTP listeners: the device API ({@link DeviceApi}), the one port an
 * Ingress exposes to the fleet, and the admin API ({@link AdminApi}) on a port of its own that
 * stays inside the cluster, with the operators' console ({@link ConsoleApi}). Both answer every
 * error as {@code {code, message}} JSON.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  /**
   * @param adminToken the bearer token of the operator {@code admin} (devices' calls accept it too)
   * @param operators every operator's token hash and role, {@code admin} among them
   * @param audit where every change asked of the admin API is recorded
   * @param replica this replica's name in audit records
   * @param pollInterval what devices are told about how often to poll without a push channel
   * @param maxBodyBytes larger request bodies are refused before they are read
   * @param keepAlive interval of comments on idle event streams (proxies close silent ones)
   * @param deltaMaxDepth a delta is served only from an ancestor of the target at most this many versions back
   * @param maxStreams open event streams at most (one per device)
   * @param reports how often a device may report, and how much one report may count
   */
  public record Settings(String adminToken, Operators operators, AuditTrail audit, String replica,
      Duration pollInterval, int maxBodyBytes, Duration keepAlive, int deltaMaxDepth, int maxStreams,
      ReportLimits reports) {
    @Override
    public String toString() {
      return "Settings[adminToken=****, operators=" + operators.size() + ", replica=" + replica + ", pollInterval="
          + pollInterval + ", maxBodyBytes=" + maxBodyBytes + ", keepAlive=" + keepAlive + ", deltaMaxDepth="
          + deltaMaxDepth + ", maxStreams=" + maxStreams + ", reports=" + reports + "]";
    }
  }

  private final DeviceApi devices;
  private final Javalin deviceApp;
  private final Javalin adminApp;
  private final ConsoleApi console;

  private ApiServer(int devicePort, int adminPort, Settings settings, FleetView view, StateLog stateLog,
      RolloutController controller, ManifestIssuer issuer, ArtifactStore store, PublisherMetrics metrics, Clock clock,
      Console console) {
    Callers callers = new Callers(view, stateLog, settings.adminToken(), settings.operators());
    Json json = new Json(settings.maxBodyBytes());
    this.devices = new DeviceApi(settings, view, stateLog, controller, issuer, store, metrics, clock, callers, json);
    AdminApi admin = new AdminApi(view, stateLog, controller, clock, callers, json, devices, settings.audit(),
        settings.replica());
    this.console = new ConsoleApi(view, console, settings.keepAlive());
    this.deviceApp = listener(settings, json, devicePort, true, c -> { }, r -> {
      r.before("/v1/admin/*", ctx -> {
        throw new ApiException(ErrorCode.NOT_FOUND,
            "the admin API listens on its own port (DISTILL_PUBLISHER_ADMIN_PORT), not on the device port");
      });
      devices.routes(r);
    });
    Javalin started = null;
    try {
      deviceApp.start();
      started = listener(settings, json, adminPort, false, ConsoleApi::staticFiles, r -> {
        admin.routes(r);
        this.console.routes(r);
      });
      started.start();
    } catch (RuntimeException e) {
      deviceApp.stop();
      devices.close();
      this.console.close();
      throw e;
    }
    this.adminApp = started;
  }

  /** @param console what the console on the admin port shows (the caller closes it) */
  public static ApiServer start(int devicePort, int adminPort, Settings settings, FleetView view, StateLog stateLog,
      RolloutController controller, ManifestIssuer issuer, ArtifactStore store, PublisherMetrics metrics, Clock clock,
      Console console) {
    return new ApiServer(devicePort, adminPort, settings, view, stateLog, controller, issuer, store, metrics, clock,
        console);
  }

  /**
   * @param h2c whether the port also speaks cleartext HTTP/2 (prior knowledge or an upgrade from
   *     HTTP/1.1, which stays as it was): an HTTP/2 ingress then carries many devices' event
   *     streams on one connection, where HTTP/1.1 needs a connection, and on each side a file
   *     descriptor, per stream
   */
  private static Javalin listener(Settings settings, Json json, int port, boolean h2c, Consumer<JavalinConfig> files,
      Consumer<RoutesConfig> routes) {
    return Javalin.create(config -> {
      files.accept(config);
      config.jetty.port = port;
      if (h2c) {
        config.jetty.addConnector((server, http) -> {
          HTTP2CServerConnectionFactory h2 = new HTTP2CServerConnectionFactory(http);
          // the hub bounds the streams of the whole replica; a connection may carry all of them
          h2.setMaxConcurrentStreams(Math.max(1, settings.maxStreams()));
          ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http), h2);
          connector.setPort(port);
          return connector;
        });
      }
      config.http.compressionStrategy = CompressionStrategy.NONE;
      config.http.maxRequestSize = settings.maxBodyBytes();
      config.startup.showJavalinBanner = false;
      errors(config.routes);
      config.routes.before("/v1/*", json::checkDeclaredLength);
      routes.accept(config.routes);
    });
  }

  private static void errors(RoutesConfig r) {
    r.exception(ApiException.class, (e, ctx) -> {
      if (e.retryAfterSeconds() > 0) {
        ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
      }
      Json.error(ctx, e.code(), e.getMessage());
    });
    r.exception(HttpResponseException.class, (e, ctx) -> Json.error(ctx, ErrorCode.forStatus(e.getStatus()), e.getMessage()));
    r.exception(Exception.class, (e, ctx) -> {
      log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
      Json.error(ctx, ErrorCode.INTERNAL, "unexpected failure; the publisher logged it");
    });
    r.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        Json.error(ctx, ErrorCode.NOT_FOUND, "no such resource: " + ctx.method() + " " + ctx.path());
      }
    });
    r.error(405, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        Json.error(ctx, ErrorCode.METHOD_NOT_ALLOWED, ctx.method() + " is not allowed on " + ctx.path());
      }
    });
  }

  /** The device API's port. */
  public int port() {
    return deviceApp.port();
  }

  public int adminPort() {
    return adminApp.port();
  }

  public PushHub hub() {
    return devices.hub();
  }

  @Override
  public void close() {
    devices.close();
    console.close();
    deviceApp.stop();
    adminApp.stop();
  }
}
