package dev.distill.cli;

import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.model.TensorSpec;
import dev.distill.scorer.importer.ImportException;
import dev.distill.scorer.importer.TeacherImport;
import dev.distill.scorer.importer.TeacherImporter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
    description = {"Import a teacher exported from any framework as ONNX (torch.onnx.export, tf2onnx) and store it "
        + "as the next version of a teacher in $DISTILL_HOME/teachers/<id>/v<N>.",
        "The graph's inputs (names, dtypes, shapes with symbolic dimensions) and output are read from the file; the "
            + "preprocessing that happens outside the graph, the class names and the stream's samples come from you. "
            + "Every member is loaded in ONNX Runtime and probed before anything is stored."},
    footer = {"", "Examples:",
        "  distill teacher import fashion-cnn.onnx --id fashion --classes classes.txt \\",
        "      --preprocess 'image:scale=1/255,mean=0.2860,std=0.3530,layout=nchw' --dataset fashion-mnist",
        "  distill teacher import token-bag.onnx --id intents --sample 'input_ids=int64[16]' "
            + "--sample 'attention_mask=int64[16]'"})
final class TeacherImportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE.onnx", arity = "1..*", description = "The model; several files make an ensemble "
      + "(one interface).")
  List<Path> files;

  @Option(names = "--id", required = true, paramLabel = "ID", description = "Teacher id in the store, e.g. fashion.")
  String id;

  @Option(names = "--preprocess", paramLabel = "[INPUT:]SPEC", description = "Arithmetic the export left outside "
      + "the graph, for one float input (or all): scale=1/255,mean=M[:M2:M3],std=S[:S2:S3],layout=nchw|nhwc|none.")
  List<String> preprocess = new ArrayList<>();

  @Option(names = "--input", paramLabel = "INPUT=TENSOR", description = "Feed a graph input from the sample tensor "
      + "of another name (default: the same name, or a lone tensor to a lone input).")
  Map<String, String> inputs = new LinkedHashMap<>();

  @Option(names = "--classes", paramLabel = "FILE", description = "Class names, one per line, in output order.")
  Path classes;

  @Option(names = "--output", paramLabel = "NAME", description = "The output with the class scores, when the graph "
      + "has several.")
  String output;

  @Option(names = "--output-kind", paramLabel = "KIND", description = "logits or probabilities (default: found by "
      + "a probe run).")
  String outputKind;

  @Option(names = "--sample", paramLabel = "NAME=DTYPE[SHAPE]", description = "A tensor the stream's samples carry, "
      + "e.g. features=uint8[28,28]; the teacher is refused unless it can take them.")
  List<String> samples = new ArrayList<>();

  @Option(names = "--dataset", paramLabel = "NAME", description = "Shorthand for the samples `distill produce` "
      + "sends: mnist or fashion-mnist (features=uint8[28,28]).")
  String dataset;

  @Option(names = "--info", paramLabel = "KEY=VALUE", description = "Facts to record with the teacher "
      + "(data set, accuracy, owner, ...).")
  Map<String, String> info = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    Map<String, Preprocess> pre = new LinkedHashMap<>();
    for (String p : preprocess) {
      int colon = p.indexOf(':');
      boolean named = colon > 0 && !p.substring(0, colon).contains("=");
      pre.put(named ? p.substring(0, colon) : "", Preprocess.parse(named ? p.substring(colon + 1) : p));
    }
    List<TensorSpec> stream = new ArrayList<>();
    samples.forEach(s -> stream.add(TensorSpec.parse(s)));
    if (dataset != null) {
      dev.distill.contract.data.Dataset.parse(dataset); // refuses an unknown name
      stream.add(TensorSpec.parse("features=uint8[28,28]"));
    }
    List<String> names = classes == null ? List.of() : Files.readAllLines(classes).stream()
        .map(String::strip).filter(l -> !l.isEmpty()).toList();
    Optional<TeacherManifest.OutputKind> kind = Optional.ofNullable(outputKind)
        .map(k -> TeacherManifest.OutputKind.valueOf(k.trim().toUpperCase(Locale.ROOT)));
    TeacherImport request = new TeacherImport(id, files, inputs, pre, Optional.ofNullable(output), kind, names,
        stream, info);
    TeacherVersion v;
    try {
      v = new TeacherImporter(Clock.systemUTC()).importInto(TeacherCommand.store(), request);
    } catch (ImportException e) {
      throw new UserError("cannot import " + files.get(0).getFileName() + ": " + e.getMessage());
    }
    PrintStream out = System.out;
    TeacherManifest m = v.manifest();
    out.printf(Locale.ROOT, "imported teacher '%s' v%d (%d member(s)) into %s%n", v.teacherId(), v.version(),
        v.members().size(), v.dir());
    for (TeacherManifest.Input in : m.inputs()) {
      out.printf(Locale.ROOT, "  input  %-28s from sample tensor '%s', preprocessing %s%n", in.spec(),
          in.sampleTensor().isEmpty() ? (m.inputs().size() == 1 ? "(the only one)" : in.name()) : in.sampleTensor(),
          in.preprocess().spec());
    }
    out.printf(Locale.ROOT, "  output %s: %d classes (%s)%s%n", m.output().name(), m.output().classes(),
        m.output().kind().name().toLowerCase(Locale.ROOT),
        m.classNames().isEmpty() ? "" : ": " + String.join(", ", m.classNames()));
    out.println("the scorer picks it up (DISTILL_TEACHER_ID=" + v.teacherId() + "); its manifest: "
        + v.dir().resolve(TeacherManifest.FILE));
    return 0;
  }
}
