package dev.distill.cli.experiment;

import dev.distill.contract.proto.SoftTarget;
import java.util.List;
import java.util.Map;

/**
 * One student of an experiment: the stream of soft targets it learns from (in order) and the
 * trainer settings that differ from the experiment's common ones.
 *
 * @param name         short id: topic prefix and model name follow it
 * @param title        what the report calls it
 * @param stream       the records, in the order they are produced (one partition keeps it)
 * @param versionEvery a version is published every this many samples; the stream's length is a
 *                     multiple of it, so the last version covers the whole stream
 * @param trainer      {@code DISTILL_TRAINER_*} settings of this arm
 */
record Arm(String name, String title, List<SoftTarget> stream, long versionEvery, Map<String, String> trainer) {
  Arm {
    stream = List.copyOf(stream);
    trainer = Map.copyOf(trainer);
    if (stream.isEmpty() || versionEvery <= 0 || stream.size() % versionEvery != 0) {
      throw new IllegalArgumentException("arm " + name + ": " + stream.size() + " records is not a multiple of "
          + versionEvery);
    }
  }
}
