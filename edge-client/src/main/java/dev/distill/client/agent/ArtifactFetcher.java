package dev.distill.client.agent;

import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.client.http.DownloadException;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.http.PublisherException;
import dev.distill.contract.ota.DeltaCodec;
import dev.distill.contract.ota.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a signed artifact to the device: a delta from the active one when the publisher has it
 * and it rebuilds the signed hash, else the full artifact, resumed across attempts; the signed
 * length and hash decide, never the server.
 */
final class ArtifactFetcher {
  private static final Logger log = LoggerFactory.getLogger(ArtifactFetcher.class);
  private static final int DOWNLOAD_ATTEMPTS = 3;

  private final PublisherClient client;
  private final String deviceId;
  private final String token;
  private final Path dir;

  ArtifactFetcher(PublisherClient client, String deviceId, String token, Path dir) {
    this.client = client;
    this.deviceId = deviceId;
    this.token = token;
    this.dir = dir;
  }

  /** The delta from the active artifact if the publisher has one, else the full artifact, resumably. */
  byte[] fetch(Manifest m, Slots.Slot current) throws UpdateRejectedException {
    if (current != null) {
      try {
        Optional<byte[]> delta = client.delta(m.sha256(), current.sha256(), token, m.length() + 1024);
        if (delta.isPresent()) {
          byte[] bytes = DeltaCodec.decode(Files.readAllBytes(current.file()), delta.get(), m.length());
          if (bytes.length == m.length() && DeviceAgent.sha256(bytes).equals(m.sha256())) {
            return bytes;
          }
        }
      } catch (DeltaCodec.DeltaException | IOException | PublisherException e) {
        log.debug("{}: delta unusable ({}), downloading the full artifact", deviceId, e.getMessage());
      }
    }
    Path part = dir.resolve("download").resolve(m.sha256() + ".part");
    DownloadException last = null;
    for (int attempt = 0; attempt < DOWNLOAD_ATTEMPTS; attempt++) {
      try {
        client.download(m.sha256(), token, part, m.length());
        last = null;
        break;
      } catch (DownloadException e) {
        if (e.tooLong()) {
          clean(m.sha256());
          throw new UpdateRejectedException(Reason.LENGTH_EXCEEDED, e.getMessage());
        }
        last = e;
      }
    }
    if (last != null) {
      throw new UpdateRejectedException(Reason.DOWNLOAD_FAILED, last.getMessage());
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(part);
    } catch (IOException e) {
      throw new UpdateRejectedException(Reason.DOWNLOAD_FAILED, e.toString());
    }
    if (bytes.length != m.length()) {
      clean(m.sha256());
      throw new UpdateRejectedException(Reason.LENGTH_MISMATCH, "received " + bytes.length + " bytes, the manifest signs " + m.length());
    }
    String sha = DeviceAgent.sha256(bytes);
    if (!sha.equals(m.sha256())) {
      clean(m.sha256());
      throw new UpdateRejectedException(Reason.HASH_MISMATCH, "artifact hashes to " + sha + ", the manifest signs " + m.sha256());
    }
    return bytes;
  }

  void clean(String sha) {
    try {
      Files.deleteIfExists(dir.resolve("download").resolve(sha + ".part"));
    } catch (IOException e) {
      // a stale part file is only disk space; the next download of this hash truncates or resumes it
    }
  }
}
