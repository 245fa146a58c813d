package io.distcore.lock.autoconfigure;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedLockNodeUrisTests {

	@Test
	void masksThePasswordAndKeepsTheRest() {
		assertThat(RedLockNodeUris.mask("redis://alice:s3cret@h1:6380/0")).isEqualTo("redis://alice:******@h1:6380/0");
		assertThat(RedLockNodeUris.mask("rediss://s3cret@h1:6380")).isEqualTo("rediss://******@h1:6380");
		assertThat(RedLockNodeUris.mask("redis://h1:6380")).isEqualTo("redis://h1:6380");
	}

	@Test
	void aPasswordWithAtSignsOrSpacesIsMaskedWhole() {
		assertThat(RedLockNodeUris.mask("redis://alice:a@b c@h1:6380")).isEqualTo("redis://alice:******@h1:6380");
	}

	@Test
	void masksEveryEntryOfAListOrCommaSeparatedValue() {
		assertThat(RedLockNodeUris.mask("redis://a:x@h1:1,redis://h2:2,redis://y@h3:3"))
			.isEqualTo("redis://a:******@h1:1,redis://h2:2,redis://******@h3:3");
		assertThat(RedLockNodeUris.mask(List.of("redis://a:x@h1:1", "redis://h2:2")))
			.isEqualTo(List.of("redis://a:******@h1:1", "redis://h2:2"));
	}

}
