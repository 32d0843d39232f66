package dev.distill.client.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy that drops (or silently stalls) its first connection after a number of
 * response bytes: a real mid-download failure, as a flaky radio link would cause. Later
 * connections pass.
 */
final class CuttingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final URI upstream;
  private final long cutAfter;
  private final AtomicInteger connections = new AtomicInteger();

  private final boolean stall;

  /** @param stall at the cut, go silent and keep the connection open instead of closing it */
  CuttingProxy(URI upstream, long cutAfterResponseBytes, boolean stall) throws IOException {
    this.upstream = upstream;
    this.cutAfter = cutAfterResponseBytes;
    this.stall = stall;
    this.listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "cutting-proxy");
    t.setDaemon(true);
    t.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort());
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(upstream.getHost(), upstream.getPort());
        long limit = connections.getAndIncrement() == 0 ? cutAfter : Long.MAX_VALUE;
        pump(client.getInputStream(), server.getOutputStream(), Long.MAX_VALUE, client, server, false);
        pump(server.getInputStream(), client.getOutputStream(), limit, client, server, stall);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(InputStream in, OutputStream out, long limit, Socket a, Socket b, boolean stall) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      long sent = 0;
      try {
        int n;
        while ((n = in.read(buf, 0, (int) Math.min(buf.length, Math.max(1, limit - sent)))) >= 0) {
          out.write(buf, 0, n);
          sent += n;
          if (sent >= limit) {
            while (stall && !a.isClosed()) {
              Thread.sleep(100); // silent, open, until the client gives up
            }
            break;
          }
        }
      } catch (IOException | InterruptedException e) {
        // either side went away
      } finally {
        try {
          a.close();
          b.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }, "cutting-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
