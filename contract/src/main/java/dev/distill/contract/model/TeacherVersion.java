package dev.distill.contract.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One published version of a teacher: one ONNX file per ensemble member (one for a single
 * teacher) and its {@link TeacherManifest} (interface, classes, preprocessing, provenance).
 */
public record TeacherVersion(String teacherId, int version, Path dir, List<Path> members, TeacherManifest manifest) {
  public TeacherVersion {
    members = List.copyOf(members);
  }

  /** Free-form facts about it (architecture, dataset, test errors, ...). */
  public Map<String, String> info() {
    return manifest.info();
  }

  /** The version as soft targets carry it. */
  public String versionLabel() {
    return Integer.toString(version);
  }

  public boolean isEnsemble() {
    return members.size() > 1;
  }
}
