package io.distcore.tcc.web;

import java.net.URI;
import java.util.Locale;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccBinding.ActiveTransaction;
import io.distcore.tcc.TccException;

/**
 * What the client integrations share: a call's target enlisted as a branch of the bound transaction, signed once
 * the body is known.
 * @param xid the global transaction id
 * @param branchId the branch the call's try runs as
 */
record Enlistment(String xid, String branchId) {

	/**
	 * Enlists {@code uri}'s participant in the transaction bound to this thread, if any.
	 * @return the branch, or {@code null} when no transaction is bound
	 * @throws TccException if the branch cannot be recorded; the request must then not be sent
	 */
	static Enlistment enlist(URI uri) {
		ActiveTransaction transaction = TccBinding.currentTransaction();
		if (transaction == null) {
			return null;
		}
		String branchId = transaction.enlist("http", address(uri));
		return new Enlistment(transaction.xid(), branchId);
	}

	/**
	 * Signs the try as it is sent: method, the path and query of the URI the application wrote, and the body.
	 * @throws TccException if the signer has no secret; the request must then not be sent
	 */
	TccSigner.Signed sign(TccSigner signer, String method, URI uri, byte[] body) {
		return signer.sign(this.xid, this.branchId, Phase.TRY, TccSigner.Target.of(method, uri, body));
	}

	/**
	 * The participant's base address: scheme, host and port of the URI the application wrote. User info is left
	 * out so that credentials never reach the coordinator's log.
	 */
	static String address(URI uri) {
		if (uri.getScheme() == null || uri.getHost() == null) {
			throw new TccException("Cannot enlist a call to " + uri.getScheme() + "://" + uri.getHost()
					+ ": a TCC participant needs an absolute http(s) URI with a host");
		}
		String address = uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost();
		return (uri.getPort() != -1) ? address + ":" + uri.getPort() : address;
	}

}
