package dev.distill.cli.demo;

import ai.onnxruntime.OrtException;
import dev.distill.cli.report.OnnxEvaluation;
import dev.distill.cli.report.Report;
import dev.distill.client.sim.Fleet;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.model.Variant;
import dev.distill.contract.proto.ModelVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The demo's results, computed from what the run produced: every published version's ONNX file
 * is run on the test split, the teacher's errors are those measured when it was trained (on the
 * same split), the fleet's figures are what the simulated devices measured, per variant they run.
 *
 * @param preamble lines printed over the table (what the rows are)
 * @param summary  lines printed under the table
 */
public record DemoResults(Report report, List<String> preamble, List<String> summary) {
  private static final String VERSIONS = "versions";
  static final int TABLE_ROWS = 16;

  /** One published version and its errors on the test split. */
  record Evaluated(ModelVersion version, int errors, int count) {
    double accuracy() {
      return 1.0 - (double) errors / count;
    }
  }

  public static DemoResults compute(Pipeline p, TeacherVersion teacher, LabelledImages test, long samples,
      Duration elapsed, Optional<String> fleetProblem) throws OrtException {
    Pipeline.Settings s = p.settings();
    List<Evaluated> student = evaluate(p.versions(s.studentModel()), test);
    List<Evaluated> baseline = evaluate(p.versions(s.baselineModel()), test);
    int teacherErrors = Integer.parseInt(teacher.info().getOrDefault("test_errors", "-1"));
    int teacherCount = Integer.parseInt(teacher.info().getOrDefault("test_count", Integer.toString(test.count())));
    String teacherArch = teacher.info().getOrDefault("architecture", "?");

    Report.Table table = new Report.Table("model", "version", "samples", "test errors", "accuracy");
    table.row("teacher", "v" + teacher.version(), teacher.info().getOrDefault("epochs", "?") + " epochs",
        teacherErrors < 0 ? "?" : String.format(Locale.ROOT, "%,d", teacherErrors),
        teacherErrors < 0 ? "?" : percent(1.0 - (double) teacherErrors / teacherCount));
    String temperature = student.isEmpty() ? "" : String.format(Locale.ROOT, "T=%s, ",
        trim(student.get(0).version().getTemperature()));
    String alpha = student.isEmpty() ? "" : "alpha " + trim(student.get(0).version().getAlpha());
    rows(table, "distilled student", student);
    rows(table, "hard-label baseline", baseline);
    List<String> preamble = List.of(
        "teacher: " + teacherArch + " (" + teacher.teacherId() + " v" + teacher.version() + "); test errors counted when "
            + "it was trained",
        "students: " + s.studentArchitecture() + ", the same samples, batches and seed; distilled: " + temperature
            + alpha + "; baseline: hard labels only",
        String.format(Locale.ROOT, "test errors: each published version's ONNX file run on the %,d test images, "
            + "which chose nothing: versions were chosen on the trainers' validation slice of the stream%s",
            test.count(), student.size() > TABLE_ROWS || baseline.size() > TABLE_ROWS ? String.format(Locale.ROOT,
                " (%d and %d versions; %d of each below, all in the report)", student.size(), baseline.size(),
                TABLE_ROWS) : ""));

    long latest = student.isEmpty() ? 0 : student.get(student.size() - 1).version().getVersion();
    Map<Variant, Fleet.Snapshot> fleets = p.fleetSnapshots();
    List<Long> notified = new ArrayList<>();
    Map<Long, List<Long>> notifiedPerVersion = new TreeMap<>();
    Map<Long, Integer> devicesPerVersion = new TreeMap<>();
    int devices = 0;
    int onLatest = 0;
    Map<String, Object> variants = new LinkedHashMap<>();
    List<String> fleetLines = new ArrayList<>();
    for (Map.Entry<Variant, Fleet.Snapshot> e : fleets.entrySet()) {
      String lineage = e.getKey().lineage(s.studentModel());
      Fleet.Snapshot f = e.getValue();
      List<ModelVersion> published = p.versions(lineage);
      long newest = published.isEmpty() ? 0 : published.get(published.size() - 1).getVersion();
      variants.put(e.getKey().id(), variantFigures(lineage, newest, published, f));
      fleetLines.add(String.format(Locale.ROOT, "fleet %s: %d of %d devices run %s v%d%s; %s downloaded", e.getKey().id(),
          f.devicesOn(newest), f.devices(), lineage, newest, Optional.ofNullable(f.accuracyPerVersion().get(newest))
              .map(acc -> ", on-device accuracy " + percent(acc) + measuredBy(f, newest)).orElse(""),
          megabytes(f.downloadedBytes())));
      devices += f.devices();
      onLatest += f.devicesOn(newest);
      f.devicesPerVersion().forEach((v, n) -> devicesPerVersion.merge(v, n, Integer::sum));
      f.notifiedMs().forEach((v, l) -> {
        notified.addAll(l);
        notifiedPerVersion.computeIfAbsent(v, k -> new ArrayList<>()).addAll(l);
      });
    }
    notified.sort(null);

    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("dataset", s.dataset().cliName());
    figures.put("samples", samples);
    figures.put("elapsed_seconds", elapsed.toMillis() / 1000.0);
    figures.put("test_count", test.count());
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("id", teacher.teacherId());
    t.put("version", teacher.version());
    t.put("architecture", teacherArch);
    t.put("test_errors", teacherErrors);
    t.put("test_count", teacherCount);
    figures.put("teacher", t);
    figures.put("student", modelFigures(s.studentModel(), s.studentArchitecture(), student));
    figures.put("baseline", modelFigures(s.baselineModel(), s.studentArchitecture(), baseline));
    // the whole fleet, every variant's devices; a version number is the same training step in every variant
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("devices", devices);
    f.put("latest_version", latest);
    f.put("devices_on_latest", onLatest);
    f.put("devices_per_version", devicesPerVersion);
    // a mean over variants would blur what each measures: this is the fp32 fleet's, as before variants
    Optional.ofNullable(fleets.get(Variant.FP32))
        .ifPresent(fp32 -> f.put("on_device_accuracy_per_version", fp32.accuracyPerVersion()));
    f.put("rollout_waves", p.waves());
    f.put("notified_ms", Map.of("p50", percentile(notified, 0.50), "p95", percentile(notified, 0.95),
        "max", notified.isEmpty() ? -1 : notified.get(notified.size() - 1), "count", notified.size()));
    f.put("notified_ms_per_version", notifiedPerVersion);
    f.put("variants", variants);
    fleetProblem.ifPresent(problem -> f.put("problem", problem));
    figures.put("fleet", f);

    Map<String, byte[]> files = new LinkedHashMap<>();
    for (Evaluated e : student) {
      files.put("models/" + s.studentModel() + "-v" + e.version().getVersion() + ".onnx",
          e.version().getOnnx().toByteArray());
    }

    List<Report.Series> series = new ArrayList<>();
    series.add(Report.Series.of("distilled student", points(student)));
    series.add(Report.Series.of("hard-label baseline", points(baseline)));
    if (teacherErrors >= 0) {
      series.add(Report.Series.level("teacher (" + teacherArch + ")", 100.0 * (1.0 - (double) teacherErrors / teacherCount),
          0, samples));
    }
    String title = String.format(Locale.ROOT, "distill demo: %s, %,d samples, %d devices", s.dataset().cliName(),
        samples, s.devices());
    Report report = new Report(title, table.columns(), table.rows(), new Report.Chart(
        String.format(Locale.ROOT, "Test accuracy of each published version (%s, %,d test images)",
            s.dataset().cliName(), test.count()),
        "samples trained", "test accuracy (%)", series), figures, files);

    List<String> summary = new ArrayList<>();
    if (!student.isEmpty() && !baseline.isEmpty()) {
      Evaluated a = student.get(student.size() - 1);
      Evaluated b = baseline.get(baseline.size() - 1);
      summary.add(String.format(Locale.ROOT, "newest versions: distilled student v%d %,d test errors, hard-label "
              + "baseline v%d %,d (after %,d and %,d samples)", a.version().getVersion(), a.errors(), b.version().getVersion(),
          b.errors(), a.version().getSamplesSeen(), b.version().getSamplesSeen()));
    }
    summary.addAll(fleetLines);
    fleetProblem.ifPresent(problem -> summary.add("fleet: " + problem));
    if (!notified.isEmpty()) {
      summary.add(String.format(Locale.ROOT, "publish -> device notified: p50 %s, p95 %s over %d notifications "
              + "(staged rollout, waves %s)", seconds(percentile(notified, 0.50)), seconds(percentile(notified, 0.95)),
          notified.size(), waves(p.waves())));
    }
    return new DemoResults(report, preamble, summary);
  }

  private static List<Evaluated> evaluate(List<ModelVersion> versions, LabelledImages test) throws OrtException {
    List<Evaluated> out = new ArrayList<>();
    for (ModelVersion v : versions) {
      out.add(new Evaluated(v, OnnxEvaluation.of(v.getOnnx().toByteArray(), test).errors(), test.count()));
    }
    return out;
  }

  private static void rows(Report.Table table, String label, List<Evaluated> versions) {
    if (versions.isEmpty()) {
      table.row(label, "none", "-", "-", "-");
    }
    for (Evaluated e : shown(versions, TABLE_ROWS)) {
      table.row(label, "v" + e.version().getVersion(), String.format(Locale.ROOT, "%,d", e.version().getSamplesSeen()),
          String.format(Locale.ROOT, "%,d", e.errors()), percent(e.accuracy()));
    }
  }

  /**
   * At most {@value #TABLE_ROWS} versions per model, spread evenly and always the newest: a slow
   * machine versions on the trainer's timer and a run can publish dozens (all are in the JSON
   * and the chart).
   */
  public static <T> List<T> shown(List<T> versions, int rows) {
    int n = versions.size();
    if (n <= rows) {
      return versions;
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      out.add(versions.get((int) Math.round(i * (n - 1) / (double) (rows - 1))));
    }
    return out;
  }

  private static Map<String, Object> modelFigures(String model, String arch, List<Evaluated> versions) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("architecture", arch);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Evaluated e : versions) {
      ModelVersion v = e.version();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("version", v.getVersion());
      row.put("samples", v.getSamplesSeen());
      row.put("test_errors", e.errors());
      row.put("test_accuracy", e.accuracy());
      row.put("alpha", v.getAlpha());
      row.put("temperature", v.getTemperature());
      row.put("trainer_metrics", v.getMetricsMap());
      row.put("optimizer_steps", v.getLabelsMap().getOrDefault("optimizer_steps", ""));
      row.put("sha256", v.getSha256());
      row.put("size_bytes", v.getOnnx().size());
      row.put("created_at_ms", v.getCreatedAtMs());
      list.add(row);
    }
    m.put(VERSIONS, list);
    return m;
  }

  /**
   * One variant's devices: how many run its newest version, and per version its size and the
   * devices on it as the run ended, with their accuracy (a device measures only what it runs).
   */
  private static Map<String, Object> variantFigures(String lineage, long newest, List<ModelVersion> published,
      Fleet.Snapshot f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("lineage", lineage);
    m.put("devices", f.devices());
    m.put("latest_version", newest);
    m.put("devices_on_latest", f.devicesOn(newest));
    m.put("downloaded_bytes", f.downloadedBytes());
    // absent until a device on it has measured its whole evaluation window
    Optional.ofNullable(f.accuracyPerVersion().get(newest)).ifPresent(a -> m.put("on_device_accuracy_on_latest", a));
    m.put("devices_measured_latest", f.measuredOn(newest));
    List<Map<String, Object>> list = new ArrayList<>();
    for (ModelVersion v : published) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("version", v.getVersion());
      row.put("size_bytes", v.getOnnx().size());
      row.put("devices", f.devicesOn(v.getVersion()));
      Optional.ofNullable(f.accuracyPerVersion().get(v.getVersion())).ifPresent(a -> row.put("on_device_accuracy", a));
      list.add(row);
    }
    m.put(VERSIONS, list);
    return m;
  }

  private static List<Report.Point> points(List<Evaluated> versions) {
    return versions.stream().map(e -> new Report.Point(e.version().getSamplesSeen(), 100.0 * e.accuracy())).toList();
  }

  /** Nearest rank; -1 for no data. */
  static long percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int rank = (int) Math.ceil(q * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
  }

  private static String seconds(long ms) {
    return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  static String waves(List<Double> waves) {
    return String.join(" > ", waves.stream().map(w -> trim((float) (100 * w)) + "%").toList());
  }

  /** 20.0 as "20", 0.9f as "0.9" (the float's shortest decimal, not its double expansion). */
  private static String trim(float f) {
    String s = Float.toString(f);
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }

  /** Says so when not every device on {@code version} has measured it: the mean is then over fewer images. */
  private static String measuredBy(Fleet.Snapshot f, long version) {
    int measured = f.measuredOn(version);
    return measured < f.devicesOn(version) ? " (measured by " + measured + " of them)" : "";
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
