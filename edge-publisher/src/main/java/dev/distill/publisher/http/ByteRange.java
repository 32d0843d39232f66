package dev.distill.publisher.http;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One byte range of an HTTP {@code Range: bytes=...} header, resolved against a length
 * (RFC 9110 §14.1.2). Only single ranges are served: a resuming device needs no more.
 *
 * @param first inclusive
 * @param last inclusive
 */
public record ByteRange(long first, long last) {
  private static final Pattern SPEC = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

  public long length() {
    return last - first + 1;
  }

  /**
   * @return the range, or null when the header is absent (the whole body)
   * @throws ApiException INVALID_RANGE when it is malformed, multiple or unsatisfiable
   */
  public static ByteRange parse(String header, long length) {
    if (header == null || header.isBlank()) {
      return null;
    }
    Matcher m = SPEC.matcher(header.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      throw new ApiException(ErrorCode.INVALID_RANGE,
          "Range '" + header + "' is not one 'bytes=first-last', 'bytes=first-' or 'bytes=-suffix'");
    }
    try {
      if (m.group(1).isEmpty()) {
        long suffix = Long.parseLong(m.group(2));
        if (suffix == 0 || length == 0) {
          throw unsatisfiable(header, length);
        }
        return new ByteRange(Math.max(0, length - suffix), length - 1);
      }
      long first = Long.parseLong(m.group(1));
      long last = m.group(2).isEmpty() ? length - 1 : Math.min(Long.parseLong(m.group(2)), length - 1);
      if (first >= length || last < first) {
        throw unsatisfiable(header, length);
      }
      return new ByteRange(first, last);
    } catch (NumberFormatException e) {
      throw unsatisfiable(header, length);
    }
  }

  private static ApiException unsatisfiable(String header, long length) {
    return new ApiException(ErrorCode.INVALID_RANGE, "Range '" + header + "' cannot be satisfied: the body has " + length + " bytes");
  }
}
