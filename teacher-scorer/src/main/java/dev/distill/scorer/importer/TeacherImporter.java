package dev.distill.scorer.importer;

import dev.distill.contract.model.InputBinding;
import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.onnx.OnnxGraphReader;
import dev.distill.contract.wire.Tensors;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Imports a user's exported teacher: reads the graph's declared interface (ONNX's own protobuf
 * classes), builds its {@link TeacherManifest} from that and the user's choices, checks it against
 * the stream's samples, loads every member in ONNX Runtime against the manifest (one probe run
 * each; a probe also tells logits from probabilities when the user did not say), and stores it as
 * the teacher's next version. Any problem is one {@link ImportException} naming what is wrong.
 */
public final class TeacherImporter {
  /** Rows of the probe that tells probabilities from logits. */
  private static final int PROBE_ROWS = 4;

  private final OnnxTeacherLoader loader;
  private final Clock clock;

  public TeacherImporter(Clock clock) {
    this(new OnnxTeacherLoader(1, false, ExecutionProvider.CPU), clock);
  }

  TeacherImporter(OnnxTeacherLoader loader, Clock clock) {
    this.loader = loader;
    this.clock = clock;
  }

  /** Checks everything and stores the teacher as a new version. */
  public TeacherVersion importInto(TeacherStore store, TeacherImport request) throws ImportException, IOException {
    List<byte[]> bytes = read(request.members());
    TeacherManifest manifest = describe(request, bytes);
    return store.publish(request.teacherId(), bytes, manifest);
  }

  /** The manifest the files and the request make, checked in ONNX Runtime; nothing is stored. */
  public TeacherManifest describe(TeacherImport request) throws ImportException, IOException {
    return describe(request, read(request.members()));
  }

  private TeacherManifest describe(TeacherImport request, List<byte[]> bytes) throws ImportException, IOException {
    String first = request.members().get(0).getFileName().toString();
    OnnxGraphReader.Description graph;
    try {
      graph = OnnxGraphReader.read(bytes.get(0));
    } catch (IllegalArgumentException e) {
      throw new ImportException(first + ": " + e.getMessage());
    }
    List<TeacherManifest.Input> inputs = new ArrayList<>();
    for (OnnxGraphReader.Declared in : graph.inputs()) {
      TensorSpec spec;
      try {
        spec = in.spec();
      } catch (IllegalArgumentException e) {
        throw new ImportException(first + ": input " + e.getMessage());
      }
      Preprocess p = request.preprocess().get(in.name());
      if (p == null) {
        p = Tensors.isFloatingPoint(spec.dtype()) ? request.preprocess().getOrDefault("", Preprocess.IDENTITY)
            : Preprocess.IDENTITY;
      } else if (!Tensors.isFloatingPoint(spec.dtype()) && !p.isIdentity()) {
        throw new ImportException("input '" + in.name() + "' is " + spec.describe()
            + ": preprocessing applies to float inputs only");
      }
      inputs.add(new TeacherManifest.Input(spec, request.sampleTensor().getOrDefault(in.name(), ""), p));
    }
    for (String named : request.preprocess().keySet()) {
      if (!named.isEmpty() && inputs.stream().noneMatch(i -> i.name().equals(named))) {
        throw new ImportException("--preprocess names input '" + named + "'; the graph's inputs are "
            + inputs.stream().map(TeacherManifest.Input::name).toList());
      }
    }
    OnnxGraphReader.Declared out = pickOutput(first, graph, request.output());
    int classes = out.shape().size() == 2 && out.shape().get(1).isFixed() ? (int) out.shape().get(1).size() : -1;
    if (!request.classNames().isEmpty()) {
      if (classes > 0 && request.classNames().size() != classes) {
        throw new ImportException(request.classNames().size() + " class names given; output '" + out.name()
            + "' has " + classes + " classes");
      }
      classes = request.classNames().size();
    }
    if (classes < 2) {
      throw new ImportException("output '" + out.name() + "' is " + out.shape()
          + ": its number of classes is not fixed in the graph; give the class names (--classes FILE)");
    }
    Map<String, String> info = new LinkedHashMap<>(request.info());
    info.put("imported_at", clock.instant().toString());
    info.put("producer", graph.producer().isEmpty() ? "unknown" : graph.producer());
    info.put("opsets", graph.opsets().toString());
    for (int m = 0; m < bytes.size(); m++) {
      info.put("member." + m + ".source", request.members().get(m).getFileName().toString());
      info.put("member." + m + ".sha256", sha256(bytes.get(m)));
    }
    TeacherManifest.OutputKind kind = request.outputKind().orElse(TeacherManifest.OutputKind.LOGITS);
    TeacherManifest manifest = build(inputs, out.name(), kind, classes, request.classNames(), info);
    checkStream(manifest, request.stream());
    TeacherManifest.OutputKind seen = probeAll(request, bytes, manifest);
    if (request.outputKind().isEmpty() && seen != kind) {
      manifest = build(inputs, out.name(), seen, classes, request.classNames(), info);
    }
    return manifest;
  }

  private static TeacherManifest build(List<TeacherManifest.Input> inputs, String output,
      TeacherManifest.OutputKind kind, int classes, List<String> names, Map<String, String> info)
      throws ImportException {
    try {
      return new TeacherManifest(inputs, new TeacherManifest.Output(output, kind, classes), names, info);
    } catch (IllegalArgumentException e) {
      throw new ImportException(e.getMessage());
    }
  }

  private static OnnxGraphReader.Declared pickOutput(String file, OnnxGraphReader.Description g, Optional<String> named)
      throws ImportException {
    if (named.isPresent()) {
      return g.outputs().stream().filter(o -> o.name().equals(named.get())).findFirst()
          .orElseThrow(() -> new ImportException(file + ": has no output '" + named.get() + "'; its outputs are "
              + g.outputs().stream().map(OnnxGraphReader.Declared::name).toList()));
    }
    if (g.outputs().size() != 1) {
      throw new ImportException(file + ": has outputs " + g.outputs().stream().map(OnnxGraphReader.Declared::name)
          .toList() + "; say which holds the class scores (--output NAME)");
    }
    return g.outputs().get(0);
  }

  /** Refuses a teacher that the declared samples cannot feed, with the words the scorer would use. */
  static void checkStream(TeacherManifest m, List<TensorSpec> stream) throws ImportException {
    if (stream.isEmpty()) {
      return;
    }
    Map<String, TensorSpec> byName = new LinkedHashMap<>();
    stream.forEach(t -> byName.put(t.name(), t));
    String[] problem = new String[1];
    for (int i = 0; i < m.inputs().size(); i++) {
      String name = InputBinding.pick(m, i, byName, problem);
      if (name != null) {
        TensorSpec t = byName.get(name);
        int[] shape = new int[t.shape().size()];
        for (int d = 0; d < shape.length; d++) {
          if (!t.shape().get(d).isFixed()) {
            shape = null;
            break;
          }
          shape[d] = (int) t.shape().get(d).size();
        }
        if (shape != null) {
          InputBinding.fit(m.inputs().get(i), t.dtype(), shape, problem);
        }
      }
      if (problem[0] != null) {
        throw new ImportException(problem[0].replace("the sample tensor is", "the samples of this stream are"));
      }
    }
  }

  /** Loads every member against the manifest; says whether the output looks like probabilities. */
  private TeacherManifest.OutputKind probeAll(TeacherImport request, List<byte[]> bytes, TeacherManifest manifest)
      throws ImportException, IOException {
    Path dir = Files.createTempDirectory("distill-import");
    try {
      List<Path> files = new ArrayList<>();
      for (int m = 0; m < bytes.size(); m++) {
        files.add(Files.write(dir.resolve("member-" + m + ".onnx"), bytes.get(m)));
      }
      TeacherVersion candidate = new TeacherVersion(request.teacherId(), 0, dir, files, manifest);
      try (Teacher t = loader.load(candidate)) {
        return Probe.looksLikeProbabilities(t, PROBE_ROWS) ? TeacherManifest.OutputKind.PROBABILITIES
            : TeacherManifest.OutputKind.LOGITS;
      } catch (TeacherLoadException e) {
        throw new ImportException(e.getMessage());
      }
    } finally {
      try (var s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static List<byte[]> read(List<Path> files) throws ImportException, IOException {
    List<byte[]> bytes = new ArrayList<>();
    for (Path p : files) {
      if (!Files.isRegularFile(p)) {
        throw new ImportException(p + ": no such file");
      }
      bytes.add(Files.readAllBytes(p));
    }
    return bytes;
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
