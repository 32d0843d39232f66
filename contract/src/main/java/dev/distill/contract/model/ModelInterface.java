package dev.distill.contract.model;

/**
 * The interface of the models distill trains itself ({@code distill teacher train} and students
 * of MNIST-shaped streams): one float input named {@value #INPUT} of shape {@code [N, D]} holding
 * a sample's features flattened, in their raw units (image pixels 0..255: any scaling is the first
 * node of the graph), and one output named {@value #OUTPUT} of shape {@code [N, C]} with the class
 * logits (before softmax). Teachers users bring have interfaces of their own, recorded in their
 * {@link TeacherManifest}; their students take the same inputs. Also the ONNX metadata keys of
 * every model's provenance.
 */
public final class ModelInterface {
  public static final String INPUT = "pixels";
  public static final String OUTPUT = "logits";

  /** ONNX metadata keys that carry a model's provenance. */
  public static final String META_PREFIX = "distill.";
  public static final String META_KIND = "distill.kind"; // teacher or student
  public static final String META_MODEL_ID = "distill.model_id";
  public static final String META_VERSION = "distill.version";
  public static final String META_ARCHITECTURE = "distill.architecture";
  public static final String META_DATASET = "distill.dataset";
  public static final String META_TEACHER_ID = "distill.teacher_id";
  public static final String META_TEACHER_VERSION = "distill.teacher_version";
  public static final String META_TEMPERATURE = "distill.temperature";
  public static final String META_ALPHA = "distill.alpha";
  public static final String META_DATA_RANGE = "distill.data_range";
  public static final String META_CREATED_AT = "distill.created_at";

  private ModelInterface() {}
}
