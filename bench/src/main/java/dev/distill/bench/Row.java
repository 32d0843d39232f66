package dev.distill.bench;

/**
 * One line of the report.
 *
 * @param value the figure: for a ratio, the median of the per-round ratios and their range
 * @param unit {@code x} for a ratio, else the figure's unit (records/s, ms, bytes ...)
 * @param detail what was compared, with each side's median and range, in words
 * @param goal the target in words ({@code >= 0.85}), or null where there is none
 * @param met whether the median meets the goal, or null where there is none
 * @param rounds the raw per-round values behind {@code value} (ratios for a ratio row)
 */
public record Row(String section, String name, Spread value, String unit, String detail, String goal, Boolean met,
    double[] rounds) {
  public boolean ratio() {
    return "x".equals(unit);
  }
}
