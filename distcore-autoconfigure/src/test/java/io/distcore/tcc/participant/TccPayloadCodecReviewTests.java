package io.distcore.tcc.participant;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccContext;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review attacks on the JSON round trip of a try's arguments and values with the application's default
 * {@link JsonMapper}: confirm and cancel must see what the try got, to the last digit of a money amount.
 */
class TccPayloadCodecReviewTests {

	private final JsonMapper mapper = JsonMapper.builder().build();

	private final TccPayloadCodec codec = new TccPayloadCodec(this.mapper);

	/** An order line: a record with generics, money and dates. */
	record Line(String sku, BigDecimal price, Map<String, List<BigDecimal>> discounts, LocalDate shipBy) {
	}

	public void reserve(BigDecimal amount, Line line, Instant at, List<Line> more, String note) {
	}

	@Test
	void argumentsComeBackExactlyBigDecimalScaleAndPrecisionIncluded() throws Exception {
		TccActionDefinition action = action();
		BigDecimal amount = new BigDecimal("12345678901234567.10");
		Line line = new Line("A1", new BigDecimal("0.10"), Map.of("vip", List.of(new BigDecimal("1.005"))),
				LocalDate.of(2030, 1, 2));
		Instant at = Instant.parse("2030-01-01T00:00:00.123456789Z");
		List<Object> arguments = Arrays.asList(amount, line, at, List.of(line), null);
		String json = this.codec.write(action, arguments, Map.of());
		TccContext read = this.codec.read(action, "x", "1", Phase.CONFIRM, json);
		assertThat(read.arguments()).as(json).isEqualTo(arguments);
	}

	@Test
	void aBigDecimalTheTryPutComesBackExactly() throws Exception {
		TccActionDefinition action = action();
		String json = this.codec.write(action, Arrays.asList(null, null, null, null, null),
				Map.of("frozen", new BigDecimal("12345678901234567.10")));
		TccContext read = this.codec.read(action, "x", "1", Phase.CANCEL, json);
		assertThat(read.get("frozen", BigDecimal.class)).as(json).isEqualTo(new BigDecimal("12345678901234567.10"));
	}

	private TccActionDefinition action() throws Exception {
		var method = Arrays.stream(getClass().getMethods()).filter((m) -> m.getName().equals("reserve")).findFirst()
			.orElseThrow();
		List<JavaType> types = new ArrayList<>();
		for (var type : method.getGenericParameterTypes()) {
			types.add(this.mapper.constructType(type));
		}
		return new TccActionDefinition("reserve", "bean", getClass(), method, method, method,
				List.of("amount", "line", "at", "more", "note"), types);
	}

}
