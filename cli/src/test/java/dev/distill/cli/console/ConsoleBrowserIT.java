package dev.distill.cli.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.cli.Distill;
import dev.distill.cli.demo.DemoKeys;
import dev.distill.cli.demo.HeldOut;
import dev.distill.cli.demo.Pipeline;
import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.model.Variant;
import dev.distill.contract.proto.AuditRecord;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.platform.topics.Topic;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The admin console in a real headless chromium against the running demo pipeline (a small one: a
 * one-epoch MLP teacher, an mlp:784-128-10 student, 20 devices): every page loads without a
 * browser console error, a version published while the Learning page is open appears on it
 * without a reload, an operator's pause stops the rollout's wave and a viewer's is refused with the
 * API's message, both recorded in the audit topic. The viewer signs in on a second, read-only
 * replica of the publisher (the demo's own admits only its admin). Writes each page's screenshot
 * to docs/console/ for the README.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT {
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path SCREENSHOTS = Path.of("..", "docs", "console");
  static final String STUDENT = "mlp:784-128-10";
  static final int DEVICES = 20;
  static final long VERSION_EVERY = 1_000;
  /** Long enough that a wave left alone would advance while the test watches a paused one. */
  static final Duration WAVE = Duration.ofSeconds(8);
  static final Pattern CONSOLE_LINK = Pattern.compile("console +(http://localhost:(\\d+))/console/#token=(\\S+)");

  private Path home;
  private String previousHome;
  private GracefulShutdown shutdown;
  private Pipeline pipeline;
  private LabelledImages train;
  private long produced;
  private String model;
  private String admin; // the demo publisher's admin URI, from the console line the demo prints
  private String operatorToken;
  private PublisherService readOnlyReplica; // a second replica of the same publisher, which admits a viewer
  private String viewerToken;
  private ChromeDriver browser;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  void startTheDemoPipelineAndABrowser(@TempDir Path dir) throws Exception {
    home = dir;
    String missing = "no chromedriver at " + CHROMEDRIVER + " (Debian: chromium-driver)";
    if (!Files.isExecutable(CHROMEDRIVER) && System.getenv("CI") != null) {
      throw new AssertionError(missing + ": CI must run the browser test, not skip it (.ci/run installs it)");
    }
    assumeTrue(Files.isExecutable(CHROMEDRIVER), missing);
    Datasets.ensureAvailable(Dataset.MNIST);
    Files.createDirectories(home.resolve("data"));
    Files.createSymbolicLink(home.resolve("data").resolve(Dataset.MNIST.cliName()),
        DataHome.resolve().datasetDir(Dataset.MNIST));
    previousHome = System.setProperty(DataHome.PROPERTY, home.toString());
    // a teacher in seconds: one epoch of a small MLP
    assertThat(Distill.commandLine().execute("teacher", "train", "--dataset", "mnist", "--arch", STUDENT,
        "--epochs", "1")).isZero();

    train = Datasets.load(Dataset.MNIST, Split.TRAIN);
    LabelledImages deviceData = HeldOut.images(train, 20 * VERSION_EVERY, Pipeline.VALIDATION_FRACTION);
    // versions only every VERSION_EVERY samples (no tail commit), so the test decides when one comes
    Pipeline.Settings settings = new Pipeline.Settings(Dataset.MNIST, DEVICES, STUDENT, VERSION_EVERY,
        Duration.ofMinutes(10), WAVE, home.resolve("demo"), home.resolve("teachers"), Dataset.MNIST.cliName(),
        Optional.empty(), List.of(Variant.FP32)).publishingAll(); // the learning page shows the variants' changes
    model = settings.studentModel();
    shutdown = GracefulShutdown.onSignal("console-it", Duration.ofSeconds(30));
    List<String> said = new CopyOnWriteArrayList<>();
    pipeline = Pipeline.start(settings, deviceData, shutdown, said::add);
    Matcher link = said.stream().map(CONSOLE_LINK::matcher).filter(Matcher::find).findFirst()
        .orElseThrow(() -> new AssertionError("the demo printed no console link: " + said));
    admin = link.group(1);
    operatorToken = link.group(3);
    produceUntilANewVersion();

    viewerToken = "viewer-" + Long.toHexString(System.nanoTime());
    readOnlyReplica = startReplicaAdmitting("viewer1", "viewer", viewerToken);

    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
        "--lang=en-GB");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    browser = new ChromeDriver(options);
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (readOnlyReplica != null) {
      readOnlyReplica.close();
    }
    if (shutdown != null) {
      shutdown.close();
    }
    if (previousHome == null) {
      System.clearProperty(DataHome.PROPERTY);
    } else {
      System.setProperty(DataHome.PROPERTY, previousHome);
    }
  }

  @Test
  @Order(1)
  void everyPageLoadsWithoutABrowserConsoleError() throws Exception {
    // samples flowing while the pipeline page is open, so its rates and chart show them
    Thread feeder = new Thread(() -> {
      try {
        pipeline.produce(train, VERSION_EVERY, 150, n -> { });
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "console-it-feeder");
    feeder.start();
    // the link the demo prints: the token comes from the fragment and leaves the address bar
    browser.get(admin + "/console/#token=" + operatorToken);
    await("the pipeline page shows its stages", () -> present("#stages table"));
    assertThat(browser.getCurrentUrl()).doesNotContain(operatorToken).endsWith("#/pipeline");
    await("the pipeline page shows samples flowing", () -> (Boolean) browser.executeScript(
        "return [...document.querySelectorAll('#stages td.num')].some(td => /\\/s$/.test(td.textContent)"
            + " && td.textContent !== '0.0/s')"));
    Thread.sleep(4_000); // a few more of the stream's 2 s points on the chart
    screenshot("pipeline");
    feeder.join();
    produced += VERSION_EVERY;
    pipeline.awaitTrained(produced, Duration.ofMinutes(3));

    browser.get(admin + "/console/#/learning?model=" + model);
    await("the learning page lists the versions", () -> present("#versions tr[data-version]"));
    await("the validation chart is drawn", () -> present("#validation-chart .uplot"));
    screenshot("learning");

    browser.get(admin + "/console/#/fleet?model=" + model);
    await("the fleet page shows devices", () -> present("#device-list tr[data-device]"));
    await("the fleet page shows devices per version", () -> present("#per-version tr[data-version]"));
    screenshot("fleet");

    List<String> errors = new ArrayList<>();
    for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
      if (e.getLevel().intValue() >= Level.SEVERE.intValue() && !e.getMessage().contains("favicon.ico")) {
        errors.add(e.getMessage());
      }
    }
    assertThat(errors).as("the browser console's errors").isEmpty();
  }

  @Test
  @Order(2)
  void aVersionPublishedWhileTheLearningPageIsOpenAppearsWithoutAReload() throws Exception {
    browser.get(admin + "/console/#/learning?model=" + model);
    await("the learning page lists the versions", () -> present("#versions tr[data-version]"));
    // a marker on the window: a reload would drop it
    browser.executeScript("window.__sameDocument = true");
    long next = produceUntilANewVersion();
    await("v" + next + " appears on the learning page", () -> present("#versions tr[data-version='" + next + "']"));
    assertThat(browser.executeScript("return window.__sameDocument === true")).as("the page was not reloaded")
        .isEqualTo(true);
    // the trainer publishes the student's variants too: each one's validation accuracy change is on the row
    assertThat(browser.findElement(By.cssSelector("#versions tr[data-version='" + next + "']")).getText())
        .contains("v" + next).containsPattern("fp16 [+−]\\d+\\.\\d\\d pt")
        .containsPattern("int8 [+−]\\d+\\.\\d\\d pt").containsPattern("qdelta [+−]\\d+\\.\\d\\d pt");
    screenshot("learning"); // again, with two versions or more on the chart
  }

  @Test
  @Order(3)
  void aViewersPauseIsRefusedAndThePageSaysWhy() throws Exception {
    awaitActiveRollout();
    browser.get(readOnlyReplica.adminUri() + "/console/#/fleet?model=" + model);
    // a viewer signs in through the form
    await("the sign-in form", () -> present("#token"));
    browser.findElement(By.id("token")).sendKeys(viewerToken);
    browser.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
    await("the pause button is enabled", () -> present("button[data-action=pause]:not([disabled])"));
    browser.findElement(By.cssSelector("button[data-action=pause]")).click();
    await("the refusal is shown", () -> browser.findElement(By.id("error")).isDisplayed());
    assertThat(browser.findElement(By.id("error")).getText())
        .contains("operator viewer1 is a viewer: it may read, not change").contains("FORBIDDEN");
    assertThat(rollout().path("state").asText()).as("the viewer's pause changed nothing").isNotEqualTo("PAUSED");
    awaitAudit("the viewer's refused pause", a -> a.getOperator().equals("viewer1") && a.getRole().equals("viewer")
        && a.getPath().endsWith("/rollout/pause") && a.getStatus() == 403);
    screenshot("fleet-viewer-refused");
    browser.executeScript("sessionStorage.clear()");
  }

  @Test
  @Order(4)
  void anOperatorsPauseStopsTheWave() throws Exception {
    awaitActiveRollout();
    browser.get(admin + "/console/#token=" + operatorToken);
    browser.get(admin + "/console/#/fleet?model=" + model);
    await("the pause button is enabled", () -> present("button[data-action=pause]:not([disabled])"));
    browser.findElement(By.id("action-reason")).sendKeys("console browser test");
    browser.findElement(By.cssSelector("button[data-action=pause]")).click();
    await("the page shows the rollout paused", () -> present("#rollout-state[data-state=PAUSED]"));
    assertThat(browser.findElement(By.id("rollout-state")).getText()).contains("paused");
    JsonNode paused = rollout();
    assertThat(paused.path("state").asText()).isEqualTo("PAUSED");
    assertThat(paused.path("reason").asText()).contains("console browser test");
    awaitAudit("the operator's pause", a -> a.getOperator().equals("admin") && a.getPath().endsWith("/rollout/pause")
        && a.getStatus() == 200 && a.getBody().contains("console browser test"));
    int wave = paused.path("currentWave").asInt();
    Thread.sleep(WAVE.multipliedBy(3).toMillis()); // a running wave would have moved on by now
    JsonNode later = rollout();
    assertThat(later.path("state").asText()).isEqualTo("PAUSED");
    assertThat(later.path("currentWave").asInt()).as("the wave did not advance").isEqualTo(wave);
    screenshot("fleet-paused");
  }

  /** Streams samples a version's worth at a time until the student publishes a new version; returns it. */
  private long produceUntilANewVersion() throws Exception {
    long before = latestVersion();
    for (int i = 0; i < 6 && latestVersion() == before; i++) {
      pipeline.produce(train, VERSION_EVERY, n -> { });
      produced += VERSION_EVERY;
      pipeline.awaitTrained(produced, Duration.ofMinutes(3));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (latestVersion() == before && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
    }
    assertThat(latestVersion()).as("a new version of %s after %d samples", model, produced).isGreaterThan(before);
    return latestVersion();
  }

  private long latestVersion() {
    return pipeline.versions(model).stream().mapToLong(v -> v.getVersion()).max().orElse(0);
  }

  /**
   * Waits for the newest version's rollout in progress, streaming a new version when it has
   * finished rolling out, so that the pause is of the rollout the page shows.
   */
  private void awaitActiveRollout() throws Exception {
    for (int i = 0; i < 3; i++) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        JsonNode r = rollout();
        if (r.path("state").asText().equals("ACTIVE") && r.path("targetVersion").asLong() == latestVersion()) {
          return;
        }
        Thread.sleep(200);
      }
      produceUntilANewVersion();
    }
    throw new AssertionError("no rollout of " + model + " became active: " + rollout());
  }

  private JsonNode rollout() throws Exception {
    return get("/v1/admin/models/" + model + "/rollout").path("rollout");
  }

  private JsonNode get(String path) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(admin + path)).header("Authorization", "Bearer " + operatorToken)
        .build();
    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(res.statusCode()).as("GET %s: %s", path, res.body()).isEqualTo(200);
    return json.readTree(res.body());
  }

  /** Reads the audit topic from its start until a record matches. */
  private void awaitAudit(String what, Predicate<AuditRecord> wanted) {
    Topic<String, AuditRecord> topic = pipeline.kafka().topics().audit();
    try (KafkaConsumer<String, AuditRecord> consumer = new KafkaConsumer<>(pipeline.kafka().clientProperties(),
        topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<AuditRecord> seen = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, AuditRecord> r : consumer.poll(Duration.ofMillis(500))) {
          if (wanted.test(r.value())) {
            return;
          }
          seen.add(r.value());
        }
      }
      throw new AssertionError("no audit record of " + what + " among " + seen);
    }
  }

  /**
   * Another replica of the demo's publisher on the same broker, not a rollout controller: it reads
   * the same state, forwards commands to the controller, and admits {@code name} with {@code role}.
   */
  private PublisherService startReplicaAdmitting(String name, String role, String token) throws Exception {
    Path dir = Files.createDirectories(home.resolve("replica"));
    Path tokens = dir.resolve("admin-tokens");
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    Files.writeString(tokens, name + " " + role + " " + sha + "\n");
    DemoKeys keys = DemoKeys.create(dir.resolve("keys"));
    Map<String, String> env = new HashMap<>(keys.publisherEnv());
    env.put(KafkaSettings.BOOTSTRAP, pipeline.bootstrapServers());
    env.put(ServiceSettings.HTTP_PORT, "0");
    env.put(PublisherConfig.PORT, "0");
    env.put(PublisherConfig.ADMIN_PORT, "0");
    env.put(PublisherConfig.ADMIN_TOKEN, "replica-admin-" + Long.toHexString(System.nanoTime()));
    env.put(PublisherConfig.ADMIN_TOKENS, tokens.toString());
    env.put(PublisherConfig.CONTROLLER, "false");
    env.put(PublisherConfig.ARTIFACT_DIR, dir.resolve("artifacts").toString());
    PublisherService replica = PublisherService.start(PublisherConfig.read(ConfigReader.from(env)), Clock.systemUTC());
    await("the read-only replica caught up with the state topics", replica::ready);
    return replica;
  }

  private boolean present(String css) {
    return !browser.findElements(By.cssSelector(css)).isEmpty();
  }

  private void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 60 s waiting until " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what);
      }
    }
  }

  private void screenshot(String page) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    Files.write(SCREENSHOTS.resolve(page + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }
}
