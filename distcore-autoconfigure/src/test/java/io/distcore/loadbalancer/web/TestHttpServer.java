package io.distcore.loadbalancer.web;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on a random port that answers every request with a settable status and its own name (or
 * hangs up without an answer), and remembers the requests it got.
 */
final class TestHttpServer implements AutoCloseable {

	private final String name;

	private final HttpServer server;

	private final ExecutorService executor = Executors.newFixedThreadPool(4);

	private final AtomicInteger status = new AtomicInteger(200);

	private final List<String> requests = new CopyOnWriteArrayList<>();

	private volatile int bodyChunks = 1;

	private volatile long chunkPauseMillis;

	private volatile boolean hangUp;

	TestHttpServer(String name) throws IOException {
		this.name = name;
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
		this.server.createContext("/", (exchange) -> {
			String id = exchange.getRequestHeaders().getFirst("X-Request-Id");
			this.requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI()
					+ ((id != null) ? " " + id : ""));
			exchange.getRequestBody().readAllBytes();
			if (this.hangUp) {
				// Closing before the response headers drops the connection: the client reads no status line.
				exchange.close();
				return;
			}
			byte[] chunk = this.name.getBytes(StandardCharsets.UTF_8);
			int chunks = this.bodyChunks;
			exchange.sendResponseHeaders(this.status.get(), (long) chunk.length * chunks);
			try (OutputStream body = exchange.getResponseBody()) {
				for (int i = 0; i < chunks; i++) {
					body.write(chunk);
					body.flush();
					if (this.chunkPauseMillis > 0 && i < chunks - 1) {
						Thread.sleep(this.chunkPauseMillis);
					}
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		this.server.setExecutor(this.executor);
		this.server.start();
	}

	String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	String name() {
		return this.name;
	}

	void answer(int status) {
		this.status.set(status);
	}

	/**
	 * Reads each request, then closes the connection without answering.
	 */
	void hangUp() {
		this.hangUp = true;
	}

	void streamSlowly(int chunks, long pauseMillis) {
		this.bodyChunks = chunks;
		this.chunkPauseMillis = pauseMillis;
	}

	List<String> requests() {
		return this.requests;
	}

	int hits() {
		return this.requests.size();
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	/**
	 * An address where nothing listens (connections are refused).
	 */
	static String deadUrl() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return "http://127.0.0.1:" + socket.getLocalPort();
		}
	}

}
