package dev.distill.publisher.http;

import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.OffsetRange;
import dev.distill.publisher.state.VersionInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A version as the admin API shows it: the artifact and the whole provenance (teacher, T, alpha,
 * data range, metrics). One shape for the versions listing and the console's learning view, so
 * the two never disagree about a version.
 */
public final class VersionJson {
  private VersionJson() {}

  public static Map<String, Object> of(VersionInfo v) {
    ModelVersion meta = v.metadata();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", v.version());
    m.put("parentVersion", meta.getParentVersion());
    m.put("sha256", v.sha256());
    m.put("length", v.length());
    m.put("createdAtMs", meta.getCreatedAtMs());
    m.put("seenAtMs", v.seenAtMs());
    m.put("architecture", meta.getArchitecture());
    m.put("teacher", meta.getTeacherId() + "@" + meta.getTeacherVersion());
    m.put("temperature", meta.getTemperature());
    m.put("alpha", meta.getAlpha());
    m.put("samplesSeen", meta.getSamplesSeen());
    List<Map<String, Object>> offsets = new ArrayList<>();
    for (OffsetRange r : meta.getOffsetsList()) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("partition", r.getPartition());
      o.put("from", r.getFirstOffset());
      o.put("to", r.getLastOffset());
      offsets.add(o);
    }
    m.put("offsets", offsets);
    m.put("metrics", meta.getMetricsMap());
    return m;
  }
}
