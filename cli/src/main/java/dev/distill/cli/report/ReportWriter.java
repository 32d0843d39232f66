package dev.distill.cli.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Writes a {@link Report} as a folder: {@code chart.png}, {@code report.json} (title, table,
 * chart series and every figure), {@code report.md} (the table) and the report's files.
 */
public final class ReportWriter {
  public static final String CHART = "chart.png";
  public static final String JSON = "report.json";
  public static final String MARKDOWN = "report.md";
  private static final int WIDTH = 960;
  private static final int HEIGHT = 560;
  // colour-blind-safe (Okabe-Ito): blue, orange, green, purple
  private static final Color[] PALETTE = {new Color(0, 114, 178), new Color(230, 159, 0), new Color(0, 158, 115),
      new Color(204, 121, 167)};

  private ReportWriter() {}

  /** Writes the folder (created if missing; files of the same names are replaced) and returns it. */
  public static Path write(Report report, Path dir) throws IOException {
    Files.createDirectories(dir);
    writeChart(report.chart(), dir.resolve(CHART));
    writeJson(report, dir.resolve(JSON));
    Files.writeString(dir.resolve(MARKDOWN), "# " + report.title() + "\n\n" + markdown(report) + "\n",
        StandardCharsets.UTF_8);
    for (Map.Entry<String, byte[]> f : report.files().entrySet()) {
      Path target = dir.resolve(f.getKey()).normalize();
      if (!target.startsWith(dir.normalize())) {
        throw new IllegalArgumentException("report file outside the report folder: " + f.getKey());
      }
      Files.createDirectories(target.getParent());
      Files.write(target, f.getValue());
    }
    return dir;
  }

  /** The table aligned in columns, for a terminal. */
  public static void printTable(Report report, PrintStream out) {
    int[] width = widths(report);
    out.println(line(report.columns(), width, "  "));
    out.println(line(report.columns().stream().map(c -> "-".repeat(width[report.columns().indexOf(c)])).toList(),
        width, "  "));
    report.rows().forEach(r -> out.println(line(r, width, "  ")));
  }

  static String markdown(Report report) {
    StringBuilder b = new StringBuilder();
    b.append("| ").append(String.join(" | ", report.columns())).append(" |\n");
    b.append("|").append("---|".repeat(report.columns().size())).append('\n');
    for (List<String> r : report.rows()) {
      b.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    return b.toString();
  }

  private static int[] widths(Report report) {
    int[] w = new int[report.columns().size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = report.columns().get(i).length();
      for (List<String> r : report.rows()) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    return w;
  }

  private static String line(List<String> cells, int[] width, String gap) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      // the first column is a label (left-aligned); the others are figures (right-aligned)
      b.append(i == 0 ? String.format("%-" + width[i] + "s", c) : gap + String.format("%" + width[i] + "s", c));
    }
    return b.toString().stripTrailing();
  }

  private static void writeJson(Report report, Path file) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("title", report.title());
    List<Map<String, String>> rows = new ArrayList<>();
    for (List<String> r : report.rows()) {
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < r.size(); i++) {
        row.put(report.columns().get(i), r.get(i));
      }
      rows.add(row);
    }
    json.put("table", rows);
    Map<String, Object> chart = new LinkedHashMap<>();
    chart.put("title", report.chart().title());
    chart.put("x", report.chart().xLabel());
    chart.put("y", report.chart().yLabel());
    chart.put("series", report.chart().series());
    json.put("chart", chart);
    json.put("figures", report.figures());
    json.put("files", List.copyOf(report.files().keySet()));
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
  }

  private static void writeChart(Report.Chart c, Path file) throws IOException {
    // reports are written on servers and in CI: no display
    System.setProperty("java.awt.headless", "true");
    XYSeriesCollection data = new XYSeriesCollection();
    for (Report.Series s : c.series()) {
      XYSeries xy = new XYSeries(s.name(), false, true);
      s.points().forEach(p -> xy.add(p.x(), p.y()));
      data.addSeries(xy);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(c.title(), c.xLabel(), c.yLabel(), data,
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < c.series().size(); i++) {
      Report.Series s = c.series().get(i);
      renderer.setSeriesShapesVisible(i, !s.reference());
      renderer.setSeriesPaint(i, s.reference() ? Color.DARK_GRAY : PALETTE[i % PALETTE.length]);
      renderer.setSeriesStroke(i, s.reference()
          ? new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
          : new BasicStroke(2f));
    }
    plot.setRenderer(renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    // accuracies of good models differ in the second decimal: zero on the axis would flatten them
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
  }
}
