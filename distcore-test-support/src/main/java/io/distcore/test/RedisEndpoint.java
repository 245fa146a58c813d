package io.distcore.test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Address of one Redis server that answered {@code PING} when it was handed out.
 *
 * @param host host name or address
 * @param port TCP port
 */
public record RedisEndpoint(String host, int port) {

	/**
	 * A started Lettuce connection factory for this server; the caller destroys it.
	 * @return a ready connection factory
	 */
	public LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(this.host, this.port));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/**
	 * The {@code redis://} URI of this server.
	 * @return the URI
	 */
	public String uri() {
		return "redis://" + this.host + ":" + this.port;
	}

}
