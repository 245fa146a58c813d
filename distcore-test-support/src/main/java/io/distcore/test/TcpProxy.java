package io.distcore.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on a loopback port in front of one server, so a test can take that "server" down and bring it
 * back without touching the shared one. While down it closes every connection it has and every new one at once,
 * which a client sees as a dead server. While swallowing it keeps every connection open and forwards nothing, which
 * a client sees as a server that hangs or a network that drops packets; with a delay it forwards late.
 */
public final class TcpProxy implements AutoCloseable {

	private final ServerSocket server;

	private final InetSocketAddress target;

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private final AtomicInteger accepted = new AtomicInteger();

	private volatile boolean down;

	private volatile boolean swallowing;

	private volatile long delayNanos;

	public TcpProxy(String host, int port) throws IOException {
		this.target = new InetSocketAddress(host, port);
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "tcp-proxy-" + this.server.getLocalPort());
		acceptor.setDaemon(true);
		acceptor.start();
	}

	/**
	 * The loopback port clients connect to instead of the server's.
	 * @return the port
	 */
	public int port() {
		return this.server.getLocalPort();
	}

	/**
	 * How many connections were accepted and forwarded so far, so a test can tell how often a client reconnected.
	 * @return the count
	 */
	public int connections() {
		return this.accepted.get();
	}

	/**
	 * Cuts every connection and refuses new ones until {@link #up()}.
	 */
	public void down() {
		this.down = true;
		this.sockets.forEach(TcpProxy::closeQuietly);
		this.sockets.clear();
	}

	/**
	 * Keeps every connection open and accepts new ones, but drops every byte in either direction until
	 * {@link #up()}. Bytes dropped are lost: a client whose requests were swallowed waits for replies that never
	 * come, also after {@code up()}.
	 */
	public void swallow() {
		this.swallowing = true;
	}

	/**
	 * Holds every chunk of bytes, in either direction, for {@code delay} before forwarding it, until set back to
	 * zero; a request and its reply are each delayed.
	 * @param delay how long to hold each chunk
	 */
	public void delay(Duration delay) {
		this.delayNanos = delay.toNanos();
	}

	/**
	 * Accepts and forwards connections again (neither down nor swallowing).
	 */
	public void up() {
		this.down = false;
		this.swallowing = false;
	}

	@Override
	public void close() {
		down();
		closeQuietly(this.server);
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try {
				Socket client = this.server.accept();
				if (this.down) {
					client.close();
					continue;
				}
				Socket upstream = new Socket();
				upstream.connect(this.target, 1_000);
				this.sockets.add(client);
				this.accepted.incrementAndGet();
				this.sockets.add(upstream);
				pump(client, upstream);
				pump(upstream, client);
			}
			catch (IOException ex) {
				// The server socket was closed, or one connection failed: the loop condition tells which.
			}
		}
	}

	private void pump(Socket from, Socket to) {
		Thread thread = new Thread(() -> {
			byte[] buffer = new byte[8192];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				int read;
				while ((read = in.read(buffer)) >= 0) {
					if (this.swallowing) {
						continue;
					}
					TimeUnit.NANOSECONDS.sleep(this.delayNanos);
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException | InterruptedException ex) {
				// One side went away: close both below.
			}
			closeQuietly(from);
			closeQuietly(to);
			this.sockets.remove(from);
			this.sockets.remove(to);
		}, "tcp-proxy-pump");
		thread.setDaemon(true);
		thread.start();
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// Already closed.
		}
	}

}
