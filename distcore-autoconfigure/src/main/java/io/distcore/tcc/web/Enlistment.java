package io.distcore.tcc.web;

import java.net.URI;
import java.util.Locale;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccBinding.ActiveTransaction;
import io.distcore.tcc.TccException;

/**
 * What the client integrations share: enlist the call's target as a branch of the bound transaction and sign it.
 */
final class Enlistment {

	private Enlistment() {
	}

	/**
	 * Enlists {@code uri}'s participant in the transaction bound to this thread, if any.
	 * @return the headers to add, or {@code null} when no transaction is bound
	 * @throws TccException if the branch cannot be recorded or signed; the request must then not be sent
	 */
	static TccSigner.Signed enlist(URI uri, TccSigner signer) {
		ActiveTransaction transaction = TccBinding.currentTransaction();
		if (transaction == null) {
			return null;
		}
		String branchId = transaction.enlist("http", address(uri));
		return signer.sign(transaction.xid(), branchId, Phase.TRY);
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
