package dev.distill.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;

/** The ratio rows as a box plot: every round of every ratio, so the spread is as visible as the median. */
final class BenchChart {
  private BenchChart() {}

  static void write(List<Row> rows, Path png) throws IOException {
    DefaultBoxAndWhiskerCategoryDataset data = new DefaultBoxAndWhiskerCategoryDataset();
    int n = 0;
    for (Row r : rows) {
      if (r.ratio()) {
        List<Double> values = new ArrayList<>();
        for (double v : r.rounds()) {
          values.add(v);
        }
        data.add(values, "ratio", r.section() + ": " + r.name());
        n++;
      }
    }
    CategoryAxis rowsAxis = new CategoryAxis("");
    rowsAxis.setMaximumCategoryLabelWidthRatio(0.45f);
    NumberAxis ratioAxis = new NumberAxis("ratio (median, quartiles, every round)");
    ratioAxis.setAutoRangeIncludesZero(true);
    BoxAndWhiskerRenderer renderer = new BoxAndWhiskerRenderer();
    renderer.setMeanVisible(false);
    renderer.setFillBox(false);
    renderer.setSeriesPaint(0, Color.DARK_GRAY);
    renderer.setMaxOutlierVisible(true);
    CategoryPlot plot = new CategoryPlot(data, rowsAxis, ratioAxis, renderer);
    plot.setOrientation(PlotOrientation.HORIZONTAL);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    JFreeChart chart = new JFreeChart("distill bench: same-run ratios", JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    chart.setBackgroundPaint(Color.WHITE);
    ChartUtils.saveChartAsPNG(png.toFile(), chart, 1100, Math.max(300, 120 + 45 * n));
  }
}
