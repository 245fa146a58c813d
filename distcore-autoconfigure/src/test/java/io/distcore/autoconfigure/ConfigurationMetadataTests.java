package io.distcore.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.lock.autoconfigure.LockProperties;
import io.distcore.tcc.autoconfigure.TccProperties;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metadata IDEs complete {@code distcore.*} properties from, as the jar ships it (the processor's output merged
 * with {@code additional-spring-configuration-metadata.json}): described, with the defaults the code really has.
 */
class ConfigurationMetadataTests {

	private final JsonNode metadata = read();

	@Test
	void everyPropertyIsDescribed() {
		List<String> undescribed = new ArrayList<>();
		for (JsonNode property : this.metadata.path("properties")) {
			if (property.path("name").asString().startsWith("distcore.")
					&& property.path("description").asString("").isBlank()) {
				undescribed.add(property.path("name").asString());
			}
		}
		assertThat(undescribed).isEmpty();
	}

	@Test
	void defaultsTheProcessorCannotSeeAreTheCodesDefaults() {
		assertThat(defaultOf("distcore.lock.aspect-order").asInt()).isEqualTo(new LockProperties().getAspectOrder());
		assertThat(defaultOf("distcore.tcc.aspect-order").asInt()).isEqualTo(new TccProperties().getAspectOrder());
		assertThat(Instant.parse(defaultOf("distcore.id.snowflake.epoch").asString()))
			.isEqualTo(SnowflakeLayout.DEFAULT_EPOCH);
	}

	@Test
	void backendsAreHintedAndOwnLockBackendsStayAllowed() {
		assertThat(hintValues("distcore.lock.backend")).containsExactlyInAnyOrder("local", "redis", "redlock",
				"zookeeper", "jdbc");
		assertThat(hint("distcore.lock.backend").path("providers").get(0).path("name").asString()).isEqualTo("any");
		assertThat(hintValues("distcore.id.snowflake.lease.backend")).containsExactlyInAnyOrder("redis", "zookeeper",
				"jdbc");
	}

	private JsonNode defaultOf(String name) {
		for (JsonNode property : this.metadata.path("properties")) {
			if (property.path("name").asString().equals(name)) {
				assertThat(property.has("defaultValue")).as("default of " + name).isTrue();
				return property.path("defaultValue");
			}
		}
		throw new AssertionError("no property " + name);
	}

	private JsonNode hint(String name) {
		for (JsonNode hint : this.metadata.path("hints")) {
			if (hint.path("name").asString().equals(name)) {
				return hint;
			}
		}
		throw new AssertionError("no hint for " + name);
	}

	private List<String> hintValues(String name) {
		List<String> values = new ArrayList<>();
		hint(name).path("values").forEach((value) -> values.add(value.path("value").asString()));
		return values;
	}

	private static JsonNode read() {
		try (InputStream in = ConfigurationMetadataTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(in).as("spring-configuration-metadata.json on the class path").isNotNull();
			return JsonMapper.builder().build().readTree(in);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
