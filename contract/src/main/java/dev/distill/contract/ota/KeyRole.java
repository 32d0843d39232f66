package dev.distill.contract.ota;

import java.util.Locale;

/** What a root-certified key may sign; the label is how certificates and the CLI spell it. */
public enum KeyRole {
  /** the edge-publisher's key: signs manifests (which version a device runs, until when) */
  PUBLISHER,
  /** the trainer's key: signs the images (model, version, sha256, length) it publishes */
  IMAGE;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException for anything but a role's exact label */
  public static KeyRole of(String label) {
    for (KeyRole r : values()) {
      if (r.label().equals(label)) {
        return r;
      }
    }
    throw new IllegalArgumentException("role must be publisher or image, not '" + label + "'");
  }
}
