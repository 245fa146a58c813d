package io.distcore.tcc.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccDuplicateTryException;
import io.distcore.tcc.TccParticipant;
import io.distcore.tcc.TccTryRefusedException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.Assert;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The participant side of TCC over HTTP, in front of everything else the application serves.
 * <ul>
 * <li>{@code POST {path}/confirm} and {@code POST {path}/cancel}: the phase-two endpoint. The signed headers are
 * verified for that phase, method, path and body (400 or 401 problem+json otherwise, and nothing runs); then
 * {@link TccParticipant#complete} runs: 200 when it returned (the phase ran now, had run before, or was an empty
 * rollback), 500 problem+json when it threw, which the coordinator retries.</li>
 * <li>Any other request carrying a {@code Distcore-Tcc-*} header: the headers are verified for the TRY phase and
 * the request's method, path with query, and body, and the request runs with the branch bound
 * ({@link TccBinding#bind(TccBinding.InboundBranch)}), so the {@code @TccAction} it reaches runs the try as that
 * branch. A request whose headers do not verify gets 400 or 401 and does not run at all: a forged xid could
 * otherwise plant barrier rows that block real tries, and headers captured from one try could otherwise reserve
 * something else. A try the barrier refuses ({@link TccTryRefusedException}) answers 409 problem+json, and a
 * repeated try of a branch whose try already ran ({@link TccDuplicateTryException}) 410 problem+json, when no
 * handler of the application turned them into a response first.</li>
 * </ul>
 * The body of a request with TCC headers is read whole before anything runs, to check its digest: one longer
 * than {@code maxBodySize} answers 413 problem+json. The application then reads it from memory; form parameters
 * of a URL-encoded body are parsed from it too, multipart bodies are not supported.
 * The branch is bound only on the thread serving the request (not during async dispatches); the participant's
 * own outgoing calls are not enlisted in anything. Without a {@link TccParticipant} bean the phase-two paths are
 * not served here.
 */
public final class TccServletFilter extends OncePerRequestFilter {

	private static final Log logger = LogFactory.getLog(TccServletFilter.class);

	private static final int MAX_DETAIL = 500;

	private final TccSigner signer;

	private final ObjectProvider<TccParticipant> participant;

	private final String confirmPath;

	private final String cancelPath;

	private final int maxBodySize;

	/**
	 * @param signer verifies the headers
	 * @param participant runs phase two
	 * @param path the phase-two base path, {@code distcore.tcc.participant.path}
	 * @param maxBodySize largest body of a request with TCC headers, {@code distcore.tcc.security.max-body-size}
	 */
	public TccServletFilter(TccSigner signer, ObjectProvider<TccParticipant> participant, String path,
			int maxBodySize) {
		Assert.notNull(signer, "signer must not be null");
		Assert.notNull(participant, "participant must not be null");
		Assert.isTrue(path != null && path.startsWith("/"), "path must start with '/'");
		Assert.isTrue(maxBodySize >= 0, "maxBodySize must not be negative");
		String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
		this.signer = signer;
		this.participant = participant;
		this.confirmPath = base + "/confirm";
		this.cancelPath = base + "/cancel";
		this.maxBodySize = maxBodySize;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Phase phase = phaseTwo(request);
		if (phase != null) {
			TccParticipant participant = this.participant.getIfAvailable();
			if (participant != null) {
				completeBranch(request, response, participant, phase);
				return;
			}
		}
		if (!hasTccHeader(request)) {
			chain.doFilter(request, response);
			return;
		}
		byte[] body = readBody(request, response);
		if (body == null) {
			return;
		}
		TccBinding.InboundBranch branch = verify(request, response, Phase.TRY, body);
		if (branch == null) {
			return;
		}
		try (TccBinding.Scope scope = TccBinding.bind(branch)) {
			chain.doFilter(new BufferedBodyRequest(request, body), response);
		}
		catch (ServletException | IOException | RuntimeException ex) {
			RuntimeException answered = cause(ex, TccTryRefusedException.class, TccDuplicateTryException.class);
			if (answered == null || response.isCommitted()) {
				throw ex;
			}
			response.reset();
			if (answered instanceof TccDuplicateTryException) {
				Problems.write(response, 410, TccTryRefusedHandler.DUPLICATE_TITLE, answered.getMessage());
			}
			else {
				Problems.write(response, 409, TccTryRefusedHandler.REFUSED_TITLE, answered.getMessage());
			}
		}
	}

	private void completeBranch(HttpServletRequest request, HttpServletResponse response, TccParticipant participant,
			Phase phase) throws IOException {
		if (!"POST".equals(request.getMethod())) {
			response.setHeader("Allow", "POST");
			Problems.write(response, 405, "Method Not Allowed", "Phase-two calls are POST requests");
			return;
		}
		byte[] body = readBody(request, response);
		if (body == null) {
			return;
		}
		TccBinding.InboundBranch branch = verify(request, response, phase, body);
		if (branch == null) {
			return;
		}
		try {
			participant.complete(branch.xid(), branch.branchId(), phase);
		}
		catch (RuntimeException ex) {
			logger.warn(phase + " of branch " + branch.branchId() + " of transaction " + branch.xid()
					+ " failed; the coordinator retries it", ex);
			Problems.write(response, 500, "TCC " + phase.name().toLowerCase(Locale.ROOT) + " failed",
					Problems.describe(ex, MAX_DETAIL));
			return;
		}
		response.setStatus(200);
		response.setContentType("application/json");
		response.getOutputStream()
			.write(("{\"xid\":\"" + branch.xid() + "\",\"branch\":\"" + branch.branchId() + "\",\"phase\":\"" + phase
					+ "\",\"done\":true}").getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * The verified branch, or {@code null} after answering the refusal.
	 */
	private TccBinding.InboundBranch verify(HttpServletRequest request, HttpServletResponse response, Phase phase,
			byte[] body) throws IOException {
		TccSigner.Presented presented = TccSigner.Presented.from(request::getHeader);
		TccSigner.Verdict verdict = this.signer.verify(presented, phase, targets(request, body));
		if (verdict == TccSigner.Verdict.VALID) {
			return new TccBinding.InboundBranch(presented.xid(), presented.branchId());
		}
		// Header values are the caller's: never logged, never echoed.
		if (logger.isWarnEnabled()) {
			logger.warn("Refused " + phase + " request " + request.getMethod() + " " + request.getRequestURI() + " from "
					+ request.getRemoteAddr() + ": " + verdict.reason());
		}
		Problems.write(response, verdict.status(), (verdict.status() == 400) ? "Bad Request" : "Unauthorized",
				verdict.reason());
		return null;
	}

	/**
	 * What the sender may have signed: the path as received, and, behind a context path (a load balancer's
	 * instance prefix), the path within the application, which is what an initiator writes for a load-balanced
	 * service and the coordinator for phase two.
	 */
	private static List<TccSigner.Target> targets(HttpServletRequest request, byte[] body) {
		String method = request.getMethod();
		String uri = request.getRequestURI();
		String query = request.getQueryString();
		TccSigner.Target received = TccSigner.Target.of(method, uri, query, body);
		String contextPath = request.getContextPath();
		if (contextPath.isEmpty() || !uri.startsWith(contextPath)) {
			return List.of(received);
		}
		return List.of(received, TccSigner.Target.of(method, uri.substring(contextPath.length()), query, body));
	}

	/**
	 * The whole body, or {@code null} after answering 413 when it is longer than the limit.
	 */
	private byte[] readBody(HttpServletRequest request, HttpServletResponse response) throws IOException {
		byte[] body = (request.getContentLengthLong() > this.maxBodySize) ? null
				: request.getInputStream().readNBytes(this.maxBodySize + 1);
		if (body != null && body.length <= this.maxBodySize) {
			return body;
		}
		Problems.write(response, 413, "Content Too Large", "A request with TCC headers must have a body of at most "
				+ this.maxBodySize + " bytes (distcore.tcc.security.max-body-size): its digest is checked");
		return null;
	}

	private Phase phaseTwo(HttpServletRequest request) {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		if (path.equals(this.confirmPath)) {
			return Phase.CONFIRM;
		}
		if (path.equals(this.cancelPath)) {
			return Phase.CANCEL;
		}
		return null;
	}

	private static boolean hasTccHeader(HttpServletRequest request) {
		return request.getHeader(TccHeaders.XID) != null || request.getHeader(TccHeaders.BRANCH) != null
				|| request.getHeader(TccHeaders.TIMESTAMP) != null || request.getHeader(TccHeaders.SIGNATURE) != null
				|| request.getHeader(TccHeaders.BODY_DIGEST) != null;
	}

	@SafeVarargs
	private static RuntimeException cause(Throwable failure, Class<? extends RuntimeException>... types) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			for (Class<? extends RuntimeException> type : types) {
				if (type.isInstance(cause)) {
					return (RuntimeException) cause;
				}
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return null;
	}

}
