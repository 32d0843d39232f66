package dev.distill.contract.ota;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The one text shape every signed OTA document has: a format line, then fixed {@code key=value}
 * lines in a fixed order, printable ASCII, each line ended by a single {@code \n}. Readers parse
 * strictly and then compare the document's own canonical bytes with what they received, so two
 * different byte strings never mean the same document.
 */
final class CanonicalText {
  private CanonicalText() {}

  /** The text of a document: the format line and {@code key=value} lines, each ended by {@code \n}. */
  static byte[] write(String formatLine, String... keysAndValues) {
    StringBuilder b = new StringBuilder(formatLine).append('\n');
    for (int i = 0; i < keysAndValues.length; i += 2) {
      b.append(keysAndValues[i]).append('=').append(keysAndValues[i + 1]).append('\n');
    }
    return b.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The values of {@code keys}, in order.
   *
   * @param what the document's name in error messages ("manifest", "certificate")
   * @throws IllegalArgumentException when the bytes do not have exactly this shape
   */
  static String[] values(byte[] bytes, String what, String formatLine, String... keys) {
    for (byte b : bytes) {
      require(b == '\n' || (b >= 0x20 && b < 0x7f), what + " must be printable ASCII");
    }
    String text = new String(bytes, StandardCharsets.US_ASCII);
    require(text.endsWith("\n"), what + " must end with a newline");
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    require(lines.length == keys.length + 1, what + " must have " + (keys.length + 1) + " lines");
    require(lines[0].equals(formatLine), what + " must start with " + formatLine);
    String[] v = new String[keys.length];
    for (int i = 0; i < keys.length; i++) {
      String prefix = keys[i] + "=";
      require(lines[i + 1].startsWith(prefix), "line " + (i + 2) + " of the " + what + " must start with " + prefix);
      v[i] = lines[i + 1].substring(prefix.length());
    }
    return v;
  }

  /** Refuses a second spelling of the same values ("007", "+7"): they would sign differently. */
  static void requireCanonical(byte[] canonical, byte[] received, String what) {
    require(Arrays.equals(canonical, received), what + " is not in canonical form");
  }

  static long number(String s) {
    require(s.matches("-?[0-9]{1,19}"), "'" + s + "' is not a decimal integer");
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is out of range", e);
    }
  }

  static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
