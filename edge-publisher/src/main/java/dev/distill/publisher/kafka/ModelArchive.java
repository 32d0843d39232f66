package dev.distill.publisher.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.publisher.retention.ArchiveKey;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.VersionIngest;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model archive as the state reader applies it, on the reader's thread: archived versions
 * are ingested, tombstones (the controller's pruning) forgotten, and a version new on
 * student-models is archived once. A version of student-models at or below the newest the
 * archive has held for its model (a value or a tombstone) was archived before: if the view does
 * not have it, it was pruned, and archiving it again would bring it back.
 */
final class ModelArchive {
  private static final Logger log = LoggerFactory.getLogger(ModelArchive.class);

  private final String topic;
  private final FleetView view;
  private final VersionIngest ingest;
  private final KafkaProducer<String, byte[]> producer;
  /** The newest version each model has had in the archive. */
  private final Map<String, Long> newest = new HashMap<>();

  ModelArchive(String topic, FleetView view, VersionIngest ingest, KafkaProducer<String, byte[]> producer) {
    this.topic = topic;
    this.view = view;
    this.ingest = ingest;
    this.producer = producer;
  }

  /** A record of the archive: a version, or a tombstone that prunes one. */
  void apply(String key, byte[] value, long timestamp) throws InvalidProtocolBufferException {
    if (value != null) {
      ModelVersion mv = ModelVersion.parseFrom(value);
      newest.merge(mv.getModelName(), mv.getVersion(), Math::max);
      ingest.ingest(mv, timestamp);
      return;
    }
    ArchiveKey k = ArchiveKey.parse(key).orElse(null);
    if (k == null) {
      log.warn("ignoring an archive tombstone with the key '{}', not model@version", key);
      return;
    }
    newest.merge(k.model(), k.version(), Math::max);
    if (ingest.forget(k.model(), k.version())) {
      log.info("model {} v{} pruned from the archive", k.model(), k.version());
    }
  }

  /** A version read on student-models: archive it (once) and serve it, unless it was archived before. */
  void published(ModelVersion mv, long timestamp) {
    if (view.hasVersion(mv.getModelName(), mv.getVersion())
        || mv.getVersion() <= newest.getOrDefault(mv.getModelName(), 0L)) {
      return;
    }
    if (ingest.ingest(mv, timestamp)) {
      newest.merge(mv.getModelName(), mv.getVersion(), Math::max);
      // the archive keeps the original record time, so every replica agrees on when it was
      // published; it is kept until pruned, so a trainer's resume state (three times the model,
      // sent by trainers before versions stopped carrying it) is left out
      ModelVersion archived = mv.toBuilder().clearResumeState().build();
      producer.send(new ProducerRecord<>(topic, null, timestamp,
          ArchiveKey.of(mv.getModelName(), mv.getVersion()).toString(), archived.toByteArray()), (md, e) -> {
            if (e != null) {
              log.error("cannot archive model {} v{}: {}", mv.getModelName(), mv.getVersion(), e.toString());
            }
          });
    }
  }
}
