package io.distcore.id;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class IdAsStringTests {

	private final JsonMapper json = JsonMapper.builder().build();

	@Test
	void idsTravelAsStringsWithEveryDigit() {
		long id = 9_007_199_254_740_993L;
		String written = this.json.writeValueAsString(new Order(id, 2));
		assertThat(written).isEqualTo("{\"id\":\"9007199254740993\",\"quantity\":2}");
		assertThat(this.json.readValue(written, Order.class).id()).isEqualTo(id);
		assertThat(this.json.readValue("{\"id\":9007199254740993,\"quantity\":2}", Order.class).id()).isEqualTo(id);
	}

	record Order(@IdAsString long id, int quantity) {
	}

}
