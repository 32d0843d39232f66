package dev.distill.scorer.testing;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The PyTorch-exported teachers under src/test/resources/fixtures (made by tools/fixtures/make_teachers.py). */
public final class Fixtures {
  private Fixtures() {}

  public static Path path(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("test fixture " + name + " is missing", e);
    }
  }

  /** What the Fashion-MNIST CNN was trained with, outside its graph. */
  public static final String FASHION_PREPROCESS = "scale=1/255,mean=0.2860,std=0.3530,layout=nchw";
}
