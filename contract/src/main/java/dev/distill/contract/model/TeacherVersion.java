package dev.distill.contract.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One published version of a teacher: one ONNX file per ensemble member (one for a single
 * teacher) and free-form facts about it (architecture, dataset, test errors, ...).
 */
public record TeacherVersion(String teacherId, int version, Path dir, List<Path> members, Map<String, String> info) {
  public TeacherVersion {
    members = List.copyOf(members);
    info = Map.copyOf(info);
  }

  /** The version as soft targets carry it. */
  public String versionLabel() {
    return Integer.toString(version);
  }

  public boolean isEnsemble() {
    return members.size() > 1;
  }
}
