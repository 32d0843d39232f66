package dev.distill.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** The rows a run measured, and the circumstances it ran in; written as Markdown and JSON. */
public final class BenchReport {
  private final List<Row> rows = new CopyOnWriteArrayList<>();
  private final List<String> notes = new CopyOnWriteArrayList<>();
  private final Map<String, String> context = new LinkedHashMap<>();

  /** Adds a ratio row: side A over side B, from interleaved rounds; the goal, if any, is a floor. */
  public Row ratio(String section, String name, Paired p, String aLabel, String bLabel, String sideUnit, Double goal) {
    return ratio(section, name, p, aLabel, bLabel, sideUnit, goal, true);
  }

  /** Adds a ratio row whose goal is a ceiling (a size, where smaller is better). */
  public Row ratioAtMost(String section, String name, Paired p, String aLabel, String bLabel, String sideUnit,
      double goal) {
    return ratio(section, name, p, aLabel, bLabel, sideUnit, goal, false);
  }

  private Row ratio(String section, String name, Paired p, String aLabel, String bLabel, String sideUnit, Double goal,
      boolean floor) {
    Spread a = p.sideA();
    Spread b = p.sideB();
    String detail = String.format(Locale.ROOT, "%s %s / %s %s (%s; medians, min-max)", aLabel, range(a), bLabel, range(b),
        sideUnit);
    Spread r = p.ratio();
    Row row = new Row(section, name, r, "x", detail, goal == null ? null : (floor ? ">= " : "<= ") + fmt(goal),
        goal == null ? null : floor ? r.median() >= goal : r.median() <= goal, p.ratios());
    rows.add(row);
    return row;
  }

  /** Adds a figure that is not a ratio (a latency, a size), with its rounds. */
  public Row figure(String section, String name, double[] rounds, String unit, String detail, String goal, Boolean met) {
    Row row = new Row(section, name, Spread.of(rounds), unit, detail, goal, met, rounds.clone());
    rows.add(row);
    return row;
  }

  /** A line under the table: what a section could not measure and why, or how it measured. */
  public void note(String section, String text) {
    notes.add(section + ": " + text);
  }

  public void context(String key, String value) {
    context.put(key, value);
  }

  public List<Row> rows() {
    return List.copyOf(rows);
  }

  public List<String> notes() {
    return List.copyOf(notes);
  }

  public Map<String, String> context() {
    return Map.copyOf(context);
  }

  static String range(Spread s) {
    return s.n() == 1 ? fmt(s.median()) : fmt(s.median()) + " (" + fmt(s.min()) + "-" + fmt(s.max()) + ")";
  }

  /** Three significant figures below 1,000, whole numbers with separators above. */
  static String fmt(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return String.valueOf(v);
    }
    double abs = Math.abs(v);
    if (abs >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (abs >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (abs >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }

  /** The table as Markdown, circumstances first. */
  public String markdown() {
    StringBuilder md = new StringBuilder("# distill bench\n\n");
    context.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    md.append("\nRatios are medians of per-round ratios, the two sides run interleaved (A B, B A, ...); "
        + "the range is the smallest and largest round.\n\n");
    md.append("| section | row | median | range | rounds | goal | what |\n|---|---|---:|---|---:|---|---|\n");
    for (Row r : rows) {
      String goal = r.goal() == null ? "" : r.goal() + (r.met() ? " (met)" : " (not met)");
      md.append(String.format(Locale.ROOT, "| %s | %s | %s %s | %s-%s | %d | %s | %s |%n", r.section(), r.name(),
          fmt(r.value().median()), r.unit(), fmt(r.value().min()), fmt(r.value().max()), r.value().n(), goal,
          r.detail().replace("|", "\\|")));
    }
    if (!notes.isEmpty()) {
      md.append('\n');
      notes.forEach(n -> md.append("- ").append(n).append('\n'));
    }
    return md.toString();
  }

  /** The table for a terminal: fixed columns, one row a line. */
  public String text() {
    StringBuilder t = new StringBuilder();
    for (Row r : rows) {
      String goal = r.goal() == null ? "" : "  goal " + r.goal() + (r.met() ? " met" : " NOT met");
      t.append(String.format(Locale.ROOT, "%-10s %-52s %12s %-8s range %s-%s%s%n", r.section(), r.name(),
          fmt(r.value().median()), r.unit(), fmt(r.value().min()), fmt(r.value().max()), goal));
    }
    notes.forEach(n -> t.append("  ").append(n).append('\n'));
    return t.toString();
  }

  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("bench.md"), markdown());
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("context", context);
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("section", r.section());
      m.put("name", r.name());
      m.put("unit", r.unit());
      m.put("median", r.value().median());
      m.put("min", r.value().min());
      m.put("max", r.value().max());
      m.put("rounds", r.rounds());
      m.put("detail", r.detail());
      m.put("goal", r.goal());
      m.put("met", r.met());
      out.add(m);
    }
    json.put("rows", out);
    json.put("notes", notes);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("bench.json").toFile(), json);
    BenchChart.write(rows(), dir.resolve("bench.png"));
  }
}
