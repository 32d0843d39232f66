package dev.distill.cli;

import dev.distill.contract.data.DatasetUnavailableException;
import dev.distill.contract.data.IdxFormatException;
import dev.distill.platform.config.ConfigException;

/** Turns failures into the one sentence a user needs, keeping stack traces for the log. */
final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UserError(String sentence) {
    super(sentence);
  }

  static boolean isExpected(Throwable e) {
    return e instanceof UserError
        || e instanceof DatasetUnavailableException
        || e instanceof IdxFormatException
        || e instanceof ConfigException
        || e instanceof IllegalArgumentException;
  }

  static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
