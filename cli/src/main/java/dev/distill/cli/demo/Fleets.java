package dev.distill.cli.demo;

import dev.distill.client.http.PublisherException;
import dev.distill.client.sim.Fleet;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Variant;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's devices, one {@link Fleet} per variant of the distilled student: a device registers
 * for one lineage ({@link Variant#lineage}), so each variant's devices are a fleet of their own,
 * with their own rollouts on the publisher.
 */
final class Fleets implements AutoCloseable {
  private final String model;
  private final Map<Variant, Fleet> byVariant;

  private Fleets(String model, Map<Variant, Fleet> byVariant) {
    this.model = model;
    this.byVariant = byVariant;
  }

  /**
   * Deals {@code devices} round robin over {@code variants}: 20 over four gives five each, 6
   * over four gives 2, 2, 1, 1 (the first listed get the remainder).
   */
  static Map<Variant, Integer> split(int devices, List<Variant> variants) {
    Map<Variant, Integer> out = new LinkedHashMap<>();
    for (int i = 0; i < devices; i++) {
      out.merge(variants.get(i % variants.size()), 1, Integer::sum);
    }
    return out;
  }

  /**
   * Starts each variant's fleet, devices {@code sim-<variant>-<i>} in {@code dir/<variant>}. Every
   * fleet slices the same {@code data}, so each variant is measured on all the held-out images
   * (when the fleets are the same size) and their on-device accuracies compare.
   */
  static Fleets start(Pipeline.Settings s, URI api, URI admin, String adminToken, LabelledImages data,
      int evaluationWindow, Path dir) throws PublisherException, IOException {
    Map<Variant, Fleet> started = new LinkedHashMap<>();
    Fleets fleets = new Fleets(s.studentModel(), started);
    try {
      for (Map.Entry<Variant, Integer> e : split(s.devices(), s.variants()).entrySet()) {
        Variant v = e.getKey();
        started.put(v, Fleet.builder(api, admin, adminToken, v.lineage(s.studentModel()))
            .count(e.getValue()).idPrefix("sim-" + v.id() + "-").data(data).evaluationWindow(evaluationWindow)
            .dir(dir.resolve(v.id())).build().start());
      }
    } catch (PublisherException | IOException | RuntimeException e) {
      fleets.close(); // the fleets already started hold threads and registrations
      throw e;
    }
    return fleets;
  }

  /** The variants that have devices, in the order given. */
  List<Variant> variants() {
    return List.copyOf(byVariant.keySet());
  }

  String lineage(Variant v) {
    return v.lineage(model);
  }

  Fleet.Snapshot snapshot(Variant v) {
    return byVariant.get(v).snapshot();
  }

  /** Each variant's fleet now, in the order given. */
  Map<Variant, Fleet.Snapshot> snapshots() {
    Map<Variant, Fleet.Snapshot> out = new LinkedHashMap<>();
    byVariant.forEach((v, f) -> out.put(v, f.snapshot()));
    return out;
  }

  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (Fleet f : byVariant.values()) {
      try {
        f.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }
}
