package dev.distill.scorer.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.proto.DType;
import dev.distill.contract.wire.Tensors;
import dev.distill.scorer.teacher.TeacherLoadException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Whether a loaded ONNX session has the interface a manifest declares: each problem in one clear sentence. */
final class InterfaceCheck {
  private InterfaceCheck() {}

  static void check(String model, OrtSession session, TeacherManifest manifest)
      throws OrtException, TeacherLoadException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    Set<String> unfed = new HashSet<>(inputs.keySet());
    for (TeacherManifest.Input in : manifest.inputs()) {
      NodeInfo info = inputs.get(in.name());
      if (info == null) {
        throw new TeacherLoadException(model + ": the manifest names input '" + in.name() + "', the graph has "
            + inputs.keySet());
      }
      unfed.remove(in.name());
      matches(model, "input", in.spec(), info);
    }
    if (!unfed.isEmpty()) {
      throw new TeacherLoadException(model + ": the graph also needs input(s) " + unfed
          + " that the manifest does not feed");
    }
    NodeInfo out = session.getOutputInfo().get(manifest.output().name());
    if (out == null) {
      throw new TeacherLoadException(model + ": the manifest names output '" + manifest.output().name()
          + "', the graph has " + session.getOutputInfo().keySet());
    }
    if (!(out.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT || t.getShape().length != 2) {
      throw new TeacherLoadException(model + ": output '" + manifest.output().name()
          + "' must be a float32 tensor [N, C], got " + out.getInfo());
    }
  }

  private static void matches(String model, String what, TensorSpec spec, NodeInfo info) throws TeacherLoadException {
    if (!(info.getInfo() instanceof TensorInfo t)) {
      throw new TeacherLoadException(model + ": " + what + " '" + spec.name() + "' is not a tensor: " + info.getInfo());
    }
    DType actual = dtypeOf(t.type);
    if (actual != spec.dtype()) {
      throw new TeacherLoadException(model + ": " + what + " '" + spec.name() + "' is " + t.type
          + " in the graph, the manifest says " + Tensors.name(spec.dtype()));
    }
    long[] shape = t.getShape();
    List<TensorSpec.Dim> dims = spec.shape();
    boolean same = shape.length == dims.size();
    for (int d = 0; same && d < shape.length; d++) {
      same = shape[d] <= 0 || !dims.get(d).isFixed() || dims.get(d).size() == shape[d] || d == 0;
    }
    if (!same) {
      throw new TeacherLoadException(model + ": " + what + " '" + spec.name() + "' is " + Arrays.toString(shape)
          + " in the graph (-1 = any), the manifest says " + dims);
    }
  }

  static DType dtypeOf(OnnxJavaType t) {
    return switch (t) {
      case FLOAT -> DType.FLOAT32;
      case INT64 -> DType.INT64;
      case INT32 -> DType.INT32;
      case UINT8 -> DType.UINT8;
      case FLOAT16 -> DType.FLOAT16;
      default -> DType.DTYPE_UNSPECIFIED;
    };
  }
}
