package dev.distill.cli.experiment;

import dev.distill.cli.report.Report;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an experiment found, computed in its run: a table for the terminal and the README, curves
 * for the chart, every figure by name for the JSON, and the ONNX files of the published versions.
 */
final class Findings {
  final String title;
  final String xLabel;
  final String yLabel;
  final List<String> columns = new ArrayList<>();
  final List<List<String>> rows = new ArrayList<>();
  final List<Report.Series> series = new ArrayList<>();
  final Map<String, Object> figures = new LinkedHashMap<>();
  final Map<String, byte[]> models = new LinkedHashMap<>();
  final List<String> notes = new ArrayList<>();

  Findings(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  Findings columns(String... names) {
    columns.addAll(List.of(names));
    return this;
  }

  Findings row(Object... cells) {
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(String.valueOf(c));
    }
    rows.add(r);
    return this;
  }

  /** A curve of the chart: y over x, in order. */
  Findings line(String name, List<Double> x, List<Double> y) {
    List<Report.Point> points = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      points.add(new Report.Point(x.get(i), y.get(i)));
    }
    series.add(Report.Series.of(name, points));
    return this;
  }

  Findings series(Report.Series s) {
    series.add(s);
    return this;
  }

  Findings figure(String name, Object value) {
    figures.put(name, value);
    return this;
  }

  Findings note(String text) {
    notes.add(text);
    return this;
  }

  /** The report folder's content. */
  Report toReport() {
    Map<String, Object> all = new LinkedHashMap<>(figures);
    all.put("notes", notes);
    Map<String, byte[]> files = new LinkedHashMap<>();
    models.forEach((name, bytes) -> files.put("models/" + name, bytes));
    return new Report(title, columns, rows, new Report.Chart(title, xLabel, yLabel, series), all, files);
  }
}
