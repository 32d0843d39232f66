package dev.distill.contract.wire;

/**
 * IEEE 754 binary16 ("half") conversions, since Java 17 has none ({@code Float.float16ToFloat}
 * arrived in Java 20). Rounding is to nearest, ties to even, as the standard and ONNX Runtime do.
 */
public final class Half {
  private Half() {}

  public static float toFloat(short bits) {
    int h = bits & 0xffff;
    int sign = (h >>> 15) << 31;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) { // infinity or NaN
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      // subnormal: mant * 2^-24
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) { // infinity or NaN (keep NaN a NaN)
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00); // too large: infinity
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign; // below half the smallest subnormal: zero
      }
      // subnormal: shift the mantissa (with its hidden bit) into place, rounding to nearest even
      int m = mant | 0x800000;
      int shift = 14 - e;
      int half = 1 << (shift - 1);
      int rounded = (m + half - 1 + ((m >>> shift) & 1)) >>> shift;
      return (short) (sign | rounded);
    }
    int rounded = mant + 0xfff + ((mant >>> 13) & 1); // round to nearest even on the 13 dropped bits
    if ((rounded & 0x800000) != 0) { // the mantissa overflowed into the exponent
      rounded = 0;
      e++;
      if (e >= 0x1f) {
        return (short) (sign | 0x7c00);
      }
    }
    return (short) (sign | (e << 10) | (rounded >>> 13));
  }
}
