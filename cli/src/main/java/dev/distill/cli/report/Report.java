package dev.distill.cli.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a run found, ready to be written by {@link ReportWriter}.
 *
 * @param title   one line, e.g. "distill demo: mnist, 60,000 samples"
 * @param columns the table's header
 * @param rows    the table's rows, already formatted, each as long as {@code columns}
 * @param chart   the chart of the report
 * @param figures every figure of the run, by name (numbers, strings, lists, maps: written to JSON as they are)
 * @param files   extra files by relative path, e.g. {@code models/mnist-student-v3.onnx}
 */
public record Report(String title, List<String> columns, List<List<String>> rows, Chart chart,
    Map<String, Object> figures, Map<String, byte[]> files) {

  public Report {
    Objects.requireNonNull(title, "title");
    columns = List.copyOf(columns);
    rows = List.copyOf(rows);
    for (List<String> row : rows) {
      if (row.size() != columns.size()) {
        throw new IllegalArgumentException("row " + row + " has " + row.size() + " cells, the header " + columns.size());
      }
    }
    figures = new LinkedHashMap<>(figures);
    files = new LinkedHashMap<>(files);
  }

  /**
   * A line chart.
   *
   * @param series drawn in this order; the first has the first colour
   */
  public record Chart(String title, String xLabel, String yLabel, List<Series> series) {
    public Chart {
      series = List.copyOf(series);
    }
  }

  /**
   * One line of a chart.
   *
   * @param reference drawn dashed without markers: a level to compare with (e.g. the teacher's accuracy)
   */
  public record Series(String name, List<Point> points, boolean reference) {
    public Series {
      points = List.copyOf(points);
    }

    public static Series of(String name, List<Point> points) {
      return new Series(name, points, false);
    }

    /** A horizontal line at {@code y} from {@code fromX} to {@code toX}. */
    public static Series level(String name, double y, double fromX, double toX) {
      return new Series(name, List.of(new Point(fromX, y), new Point(toX, y)), true);
    }
  }

  public record Point(double x, double y) {}

  /** Rows of a table, added one at a time. */
  public static final class Table {
    private final List<String> columns;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... columns) {
      this.columns = List.of(columns);
    }

    public Table row(String... cells) {
      rows.add(List.of(cells));
      return this;
    }

    public List<String> columns() {
      return columns;
    }

    public List<List<String>> rows() {
      return rows;
    }
  }
}
