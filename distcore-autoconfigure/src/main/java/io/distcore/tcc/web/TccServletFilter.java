package io.distcore.tcc.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
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
 * verified for that phase (400 or 401 problem+json otherwise, and nothing runs); then
 * {@link TccParticipant#complete} runs: 200 when it returned (the phase ran now, had run before, or was an empty
 * rollback), 500 problem+json when it threw, which the coordinator retries.</li>
 * <li>Any other request carrying a {@code Distcore-Tcc-*} header: the headers are verified for the TRY phase and
 * the request runs with the branch bound ({@link TccBinding#bind(TccBinding.InboundBranch)}), so the
 * {@code @TccAction} it reaches runs the try as that branch. A request whose headers do not verify gets 400 or
 * 401 and does not run at all: a forged xid could otherwise plant barrier rows that block real tries. A try the
 * barrier refuses ({@link TccTryRefusedException}) answers 409 problem+json when no handler of the application
 * turned it into a response first.</li>
 * </ul>
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

	/**
	 * @param signer verifies the headers
	 * @param participant runs phase two
	 * @param path the phase-two base path, {@code distcore.tcc.participant.path}
	 */
	public TccServletFilter(TccSigner signer, ObjectProvider<TccParticipant> participant, String path) {
		Assert.notNull(signer, "signer must not be null");
		Assert.notNull(participant, "participant must not be null");
		Assert.isTrue(path != null && path.startsWith("/"), "path must start with '/'");
		String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
		this.signer = signer;
		this.participant = participant;
		this.confirmPath = base + "/confirm";
		this.cancelPath = base + "/cancel";
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
		TccBinding.InboundBranch branch = verify(request, response, Phase.TRY);
		if (branch == null) {
			return;
		}
		try (TccBinding.Scope scope = TccBinding.bind(branch)) {
			chain.doFilter(request, response);
		}
		catch (ServletException | IOException | RuntimeException ex) {
			TccTryRefusedException refused = refusal(ex);
			if (refused == null || response.isCommitted()) {
				throw ex;
			}
			response.reset();
			Problems.write(response, 409, "TCC try refused", refused.getMessage());
		}
	}

	private void completeBranch(HttpServletRequest request, HttpServletResponse response, TccParticipant participant,
			Phase phase) throws IOException {
		if (!"POST".equals(request.getMethod())) {
			response.setHeader("Allow", "POST");
			Problems.write(response, 405, "Method Not Allowed", "Phase-two calls are POST requests");
			return;
		}
		TccBinding.InboundBranch branch = verify(request, response, phase);
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
	private TccBinding.InboundBranch verify(HttpServletRequest request, HttpServletResponse response, Phase phase)
			throws IOException {
		String xid = request.getHeader(TccHeaders.XID);
		String branchId = request.getHeader(TccHeaders.BRANCH);
		TccSigner.Verdict verdict = this.signer.verify(xid, branchId, request.getHeader(TccHeaders.TIMESTAMP),
				request.getHeader(TccHeaders.SIGNATURE), phase);
		if (verdict == TccSigner.Verdict.VALID) {
			return new TccBinding.InboundBranch(xid, branchId);
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
				|| request.getHeader(TccHeaders.TIMESTAMP) != null || request.getHeader(TccHeaders.SIGNATURE) != null;
	}

	private static TccTryRefusedException refusal(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof TccTryRefusedException refused) {
				return refused;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return null;
	}

}
