package dev.distill.scorer.importer;

import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TensorSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a user says when importing a teacher; only the id and the files are required.
 *
 * @param members      one ONNX file, or several for an ensemble (one interface)
 * @param sampleTensor model input name to the sample tensor that feeds it, where they differ
 * @param preprocess   model input name to its preprocessing; the key {@code ""} applies to every
 *                     float input not named
 * @param output       the output to use, when the graph has several
 * @param outputKind   logits or probabilities; detected by a probe when empty
 * @param classNames   one per class, or empty
 * @param stream       the sample tensors this stream carries (name to dtype and per-sample shape),
 *                     to refuse a teacher that cannot take them; empty to skip the check
 * @param info         free-form facts to record (data set, accuracy, owner, ...)
 */
public record TeacherImport(String teacherId, List<Path> members, Map<String, String> sampleTensor,
    Map<String, Preprocess> preprocess, Optional<String> output, Optional<TeacherManifest.OutputKind> outputKind,
    List<String> classNames, List<TensorSpec> stream, Map<String, String> info) {

  public TeacherImport {
    members = List.copyOf(members);
    sampleTensor = Map.copyOf(sampleTensor);
    preprocess = Map.copyOf(preprocess);
    classNames = List.copyOf(classNames);
    stream = List.copyOf(stream);
    info = Map.copyOf(info);
    if (members.isEmpty()) {
      throw new IllegalArgumentException("name at least one ONNX file");
    }
  }

  /** Just the files, every choice left to detection. */
  public static TeacherImport of(String teacherId, Path... members) {
    return new TeacherImport(teacherId, List.of(members), Map.of(), Map.of(), Optional.empty(), Optional.empty(),
        List.of(), List.of(), Map.of());
  }

  public TeacherImport withPreprocess(String input, Preprocess p) {
    Map<String, Preprocess> m = new java.util.HashMap<>(preprocess);
    m.put(input, p);
    return new TeacherImport(teacherId, members, sampleTensor, m, output, outputKind, classNames, stream, info);
  }

  public TeacherImport withStream(List<TensorSpec> tensors) {
    return new TeacherImport(teacherId, members, sampleTensor, preprocess, output, outputKind, classNames, tensors,
        info);
  }

  public TeacherImport withClassNames(List<String> names) {
    return new TeacherImport(teacherId, members, sampleTensor, preprocess, output, outputKind, names, stream, info);
  }
}
