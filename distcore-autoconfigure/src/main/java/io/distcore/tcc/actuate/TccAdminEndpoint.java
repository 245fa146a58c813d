package io.distcore.tcc.actuate;

import java.time.Clock;

import io.distcore.support.ActuatorProblems;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.tcc.coordinator.TransactionRecord;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

/**
 * {@code POST /actuator/tccadmin/{xid}/retry} and {@code POST /actuator/tccadmin/{xid}/resolve}: what a person
 * does about a transaction that needs one. Its default access is {@link Access#NONE}, so exposing every endpoint
 * does not expose it; it takes {@code management.endpoint.tccadmin.access=unrestricted}, and then Spring Security
 * guards it like any other actuator endpoint when the application has it.
 * <ul>
 * <li>{@code retry}: a {@code CONFIRM_FAILED} or {@code CANCEL_FAILED} transaction is confirmed or cancelled again,
 * due at once, with a fresh retry time (after the cause was fixed).</li>
 * <li>{@code resolve}: the person finished its branches by hand; it is marked {@code CONFIRMED} or
 * {@code CANCELLED} and never delivered again.</li>
 * </ul>
 * Any other state is answered with a 409 problem: the coordinator still works on it, or it is finished.
 */
@WebEndpoint(id = "tccadmin", defaultAccess = Access.NONE)
public class TccAdminEndpoint {

	private final JdbcTccLogStore store;

	private final Clock clock;

	public TccAdminEndpoint(JdbcTccLogStore store, Clock clock) {
		this.store = store;
		this.clock = clock;
	}

	/**
	 * Retries or resolves a transaction that needs a person.
	 * @param xid global transaction id
	 * @param action {@code retry} or {@code resolve}
	 * @return the transaction afterwards, or a 400, 404 or 409 problem
	 */
	@WriteOperation
	public WebEndpointResponse<Object> act(@Selector String xid, @Selector String action) {
		if (!TccEndpoint.isValidXid(xid)) {
			return ActuatorProblems.badRequest("Malformed xid: 1 to 64 letters, digits, '.', '_', ':' or '-'");
		}
		if (!action.equals("retry") && !action.equals("resolve")) {
			return ActuatorProblems.badRequest("Unknown action '" + TccEndpoint.shorten(action)
					+ "'; actions are retry and resolve");
		}
		TransactionRecord transaction = this.store.find(xid).orElse(null);
		if (transaction == null) {
			return ActuatorProblems.notFound("No transaction " + xid + " in the coordinator's log");
		}
		boolean done = action.equals("retry") ? this.store.reopen(xid, this.clock.instant())
				: this.store.resolve(xid, this.clock.instant());
		if (!done) {
			return ActuatorProblems.conflict("Transaction " + xid + " is " + this.store.find(xid)
				.map(TransactionRecord::state)
				.orElse(transaction.state()) + "; only CONFIRM_FAILED and CANCEL_FAILED transactions can be "
					+ (action.equals("retry") ? "retried" : "resolved"));
		}
		return this.store.details(xid)
			.map((details) -> new WebEndpointResponse<Object>(details))
			.orElseGet(() -> ActuatorProblems.notFound("Transaction " + xid + " was deleted meanwhile"));
	}

}
