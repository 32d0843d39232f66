package dev.distill.publisher.rollout;

/**
 * What the devices of the current wave say about the new version, and what the fleet says
 * about the last good one.
 *
 * @param running devices that run the new version and report RUNNING with an acceptable error rate
 * @param failed devices that could not install or run it under this rollout
 * @param accuracy on-device accuracy of the new version, weighted by labelled samples (null: none reported)
 * @param baselineAccuracy the same for the last good version over the whole fleet
 */
public record WaveStats(
    int wave,
    double fraction,
    int devices,
    int running,
    int failed,
    Double accuracy,
    long labelled,
    Double baselineAccuracy,
    long baselineLabelled) {

  public int reported() {
    return running + failed;
  }
}
