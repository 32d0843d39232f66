package dev.distill.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks TCP ports on localhost that nobody listens on right now.
 *
 * <p>A port picked here is only free at the moment it is picked: another process may take it before the
 * broker binds it. That race is accepted because a KRaft broker needs its controller port written into
 * {@code controller.quorum.voters} before it starts, so Kafka's own "port 0" cannot be used for it.
 */
public final class FreePorts {

    private FreePorts() {
    }

    /** One free port on localhost. */
    public static int pick() {
        return pick(1)[0];
    }

    /**
     * {@code count} distinct free ports; all sockets are held open together so the OS cannot hand out the
     * same port twice.
     */
    public static int[] pick(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, was " + count);
        }
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.bind(new InetSocketAddress(InetAddress.getByName("localhost"), 0));
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free TCP port on localhost", e);
        } finally {
            for (ServerSocket socket : sockets) {
                closeQuietly(socket);
            }
        }
    }

    /**
     * {@code {port, controllerPort}} with every 0 replaced by a free port that differs from the other one.
     */
    static int[] pickUnlessGiven(int port, int controllerPort) {
        if (port != 0 && controllerPort != 0) {
            return new int[] {port, controllerPort};
        }
        int[] free = pick(2);
        int chosenPort = port != 0 ? port : firstOtherThan(free, controllerPort);
        int chosenControllerPort = controllerPort != 0 ? controllerPort : firstOtherThan(free, chosenPort);
        return new int[] {chosenPort, chosenControllerPort};
    }

    private static int firstOtherThan(int[] candidates, int taken) {
        for (int candidate : candidates) {
            if (candidate != taken) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free port other than " + taken);
    }

    /** Whether something could bind {@code host:port} right now (i.e. no one is listening there). */
    public static boolean isFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // Same SO_REUSEADDR behaviour as Kafka's acceptor, so a port in TIME_WAIT counts as free.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the port was only borrowed to learn its number.
        }
    }
}
