package dev.distill.publisher.console;

import dev.distill.contract.proto.CandidateDecision;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.TopicFollower;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The promotion gate's recent decisions per model, from {@code <prefix>.candidates} read from its
 * beginning and followed (platform's {@link TopicFollower}: assigned partitions, nothing
 * committed), so every replica shows the same history. Bounded: the last {@link #PER_MODEL}
 * decisions of at most {@link #MAX_MODELS} models; the topic itself keeps a month.
 */
public final class CandidateLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CandidateLog.class);
  public static final int PER_MODEL = 500;
  public static final int MAX_MODELS = 1000;

  private final Map<String, ArrayDeque<CandidateDecision>> byModel = new HashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean caughtUp;
  private TopicFollower<String, CandidateDecision> follower;

  /** A log that holds what {@link #add} is given: a publisher without Kafka, and tests. */
  public CandidateLog() {}

  /** Reads the candidates topic from its beginning and keeps following it. */
  public static CandidateLog follow(KafkaSettings kafka, Topic<String, CandidateDecision> topic, String clientId) {
    CandidateLog kept = new CandidateLog();
    kept.follower = TopicFollower.start(kafka, topic, clientId, Map.of(), new TopicFollower.Handler<>() {
      @Override
      public void record(String key, CandidateDecision value, long offset) {
        if (value != null) {
          kept.add(value);
        }
      }

      @Override
      public void caughtUp() {
        kept.caughtUp = true;
      }
    });
    return kept;
  }

  /**
   * Called with the model's name after each decision that arrives once the topic's history has been
   * read (the history itself would only repeat the page's first load).
   */
  public void onDecision(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** Keeps a decision, newest last, dropping the model's oldest beyond {@link #PER_MODEL}. */
  public void add(CandidateDecision d) {
    String model = d.getModelName();
    synchronized (this) {
      ArrayDeque<CandidateDecision> q = byModel.get(model);
      if (q == null) {
        if (byModel.size() >= MAX_MODELS) {
          log.warn("candidates: keeping the decisions of {} models at most; ignoring model {}", MAX_MODELS, model);
          return;
        }
        q = new ArrayDeque<>();
        byModel.put(model, q);
      }
      q.addLast(d);
      while (q.size() > PER_MODEL) {
        q.removeFirst();
      }
    }
    if (caughtUp || follower == null) {
      listeners.forEach(l -> l.accept(model));
    }
  }

  /** The model's kept decisions, oldest first. */
  public synchronized List<CandidateDecision> decisions(String model) {
    ArrayDeque<CandidateDecision> q = byModel.get(model);
    return q == null ? List.of() : new ArrayList<>(q);
  }

  @Override
  public void close() {
    if (follower != null) {
      follower.close();
    }
  }
}
