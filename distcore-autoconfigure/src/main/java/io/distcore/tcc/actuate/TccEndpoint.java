package io.distcore.tcc.actuate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import io.distcore.support.ActuatorProblems;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.tcc.coordinator.TransactionRecord;
import io.distcore.tcc.coordinator.TransactionState;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;
import org.springframework.boot.convert.DurationStyle;

/**
 * {@code /actuator/tcc}: the coordinator's log, read only. {@code GET /actuator/tcc?state=CONFIRM_FAILED,TRYING
 * &olderThan=10m&limit=50} lists transactions oldest first; {@code GET /actuator/tcc/{xid}} shows one with its
 * branches, their attempts and last errors. Bad filters are answered with a 400 problem, an unknown xid with a
 * 404, so an operator's typo never reads as "nothing is wrong".
 */
@WebEndpoint(id = "tcc")
public class TccEndpoint {

	/** Rows listed when no limit is given. */
	public static final int DEFAULT_LIMIT = 50;

	/** Most rows one request may list: a page, never the whole log. */
	public static final int MAX_LIMIT = 500;

	/** Xids are UUIDs; anything else cannot be in the log and is refused before a query. */
	private static final Pattern XID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

	private final JdbcTccLogStore store;

	private final Clock clock;

	public TccEndpoint(JdbcTccLogStore store, Clock clock) {
		this.store = store;
		this.clock = clock;
	}

	/**
	 * Transactions oldest first.
	 * @param state comma-separated states; every state when absent
	 * @param olderThan only transactions begun longer ago than this, ISO-8601 ({@code PT10M}) or Boot's
	 * ({@code 10m})
	 * @param limit most rows, 1 to {@value #MAX_LIMIT}
	 * @return the page, or a 400 problem
	 */
	@ReadOperation
	public WebEndpointResponse<Object> transactions(@Nullable String state, @Nullable String olderThan,
			@Nullable String limit) {
		Set<TransactionState> states = EnumSet.noneOf(TransactionState.class);
		if (state != null) {
			for (String name : state.split(",", -1)) {
				TransactionState parsed = parseState(name.trim());
				if (parsed == null) {
					return ActuatorProblems.badRequest("Unknown state '" + shorten(name.trim()) + "'; states are "
							+ List.of(TransactionState.values()));
				}
				states.add(parsed);
			}
		}
		Duration age = null;
		if (olderThan != null) {
			age = parseDuration(olderThan);
			if (age == null) {
				return ActuatorProblems.badRequest("olderThan must be a duration that is not negative, such as 10m "
						+ "or PT10M; was '" + shorten(olderThan) + "'");
			}
		}
		int rows = DEFAULT_LIMIT;
		if (limit != null) {
			try {
				rows = Integer.parseInt(limit.trim());
			}
			catch (NumberFormatException ex) {
				rows = -1;
			}
			if (rows < 1 || rows > MAX_LIMIT) {
				return ActuatorProblems.badRequest("limit must be a number from 1 to " + MAX_LIMIT + "; was '"
						+ shorten(limit) + "'");
			}
		}
		Instant createdBefore = (age != null) ? this.clock.instant().minus(age) : null;
		// One row more than asked tells whether the page is complete without a second query.
		List<TransactionRecord> found = new ArrayList<>(this.store.list(states, createdBefore, rows + 1));
		boolean more = found.size() > rows;
		if (more) {
			found.remove(rows);
		}
		return new WebEndpointResponse<>(new TransactionsDescriptor(List.copyOf(states), age, rows, more, found));
	}

	/**
	 * One transaction with its branches.
	 * @param xid global transaction id
	 * @return the transaction, a 404 problem when the log has none with that id, a 400 problem for a malformed id
	 */
	@ReadOperation
	public WebEndpointResponse<Object> transaction(@Selector String xid) {
		if (!isValidXid(xid)) {
			return ActuatorProblems.badRequest("Malformed xid: 1 to 64 letters, digits, '.', '_', ':' or '-'");
		}
		return this.store.details(xid)
			.map((details) -> new WebEndpointResponse<Object>(details))
			.orElseGet(() -> ActuatorProblems.notFound("No transaction " + xid + " in the coordinator's log"));
	}

	static boolean isValidXid(String xid) {
		return xid != null && XID.matcher(xid).matches();
	}

	private static TransactionState parseState(String name) {
		try {
			return TransactionState.valueOf(name.toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private static Duration parseDuration(String text) {
		try {
			Duration duration = DurationStyle.detectAndParse(text.trim());
			return duration.isNegative() ? null : duration;
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/** Echoes at most a short prefix of a bad input: enough to spot the typo, not a reflection channel. */
	static String shorten(String input) {
		return (input.length() <= 40) ? input : input.substring(0, 40) + "...";
	}

	/**
	 * A page of transactions.
	 *
	 * @param states states listed; every state when empty
	 * @param olderThan the age filter, or {@code null}
	 * @param limit most rows of the page
	 * @param more whether more transactions match than the page shows
	 * @param transactions the page, oldest first
	 */
	public record TransactionsDescriptor(List<TransactionState> states, Duration olderThan, int limit, boolean more,
			List<TransactionRecord> transactions) {
	}

}
