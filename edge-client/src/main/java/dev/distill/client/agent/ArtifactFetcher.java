package dev.distill.client.agent;

import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.client.http.DownloadException;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.http.DeltaBusyException;
import dev.distill.client.http.PublisherException;
import dev.distill.contract.ota.DeltaCodec;
import dev.distill.contract.ota.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
  private static final int DELTA_ATTEMPTS = 4;
  private static final Duration MAX_DELTA_WAIT = Duration.ofSeconds(10);

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

  /**
   * The delta from the active artifact if the publisher has one, else the full artifact,
   * resumably. A publisher busy computing deltas is asked again after its Retry-After (at most
   * {@value #DELTA_ATTEMPTS} times, each wait at most {@link #MAX_DELTA_WAIT}): the full artifact
   * costs a device many times the delta's bytes.
   */
  byte[] fetch(Manifest m, Slots.Slot current) throws UpdateRejectedException {
    for (int attempt = 1; current != null && attempt <= DELTA_ATTEMPTS; attempt++) {
      try {
        Optional<byte[]> delta = client.delta(m.sha256(), current.sha256(), token, m.length() + 1024);
        if (delta.isPresent()) {
          byte[] bytes = DeltaCodec.decode(Files.readAllBytes(current.file()), delta.get(), m.length());
          if (bytes.length == m.length() && DeviceAgent.sha256(bytes).equals(m.sha256())) {
            return bytes;
          }
        }
        break;
      } catch (DeltaBusyException e) {
        if (attempt == DELTA_ATTEMPTS || !pause(e.retryAfter())) {
          log.debug("{}: {}; downloading the full artifact", deviceId, e.getMessage());
          break;
        }
      } catch (DeltaCodec.DeltaException | IOException | PublisherException e) {
        log.debug("{}: delta unusable ({}), downloading the full artifact", deviceId, e.getMessage());
        break;
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

  /** @return false when interrupted (the agent is stopping) */
  private static boolean pause(Duration retryAfter) {
    try {
      Thread.sleep(Math.min(retryAfter.toMillis(), MAX_DELTA_WAIT.toMillis()));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  void clean(String sha) {
    try {
      Files.deleteIfExists(dir.resolve("download").resolve(sha + ".part"));
    } catch (IOException e) {
      // a stale part file is only disk space; the next download of this hash truncates or resumes it
    }
  }
}
