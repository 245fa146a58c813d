package io.distcore.lock.aop;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import io.distcore.lock.LockListener;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.local.LocalLockBackend;
import io.distcore.support.InstanceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.aop.framework.ProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Keys of a class compiled without {@code -parameters} (the build compiles tests with it, so this test
 * compiles its subject at run time): {@code #p0} works, a parameter name fails loudly instead of locking on
 * {@code null}.
 */
class DistributedLockWithoutParameterNamesTests {

	@TempDir
	Path sources;

	@Test
	void indexedKeysWorkAndNamedKeysFailClearly() throws Exception {
		Object subject = compileSubject();
		Method byIndex = subject.getClass().getMethod("byIndex", String.class);
		assertThat(byIndex.getParameters()[0].isNamePresent()).isFalse();

		List<String> acquired = new CopyOnWriteArrayList<>();
		try (LockRegistry registry = new LockRegistry(InstanceId.generate(), List.of(new LocalLockBackend()), "local",
				Duration.ofSeconds(30), List.of(new LockListener() {
					@Override
					public void acquired(String backend, String lockName, long fencingToken, Duration waited) {
						acquired.add(lockName);
					}
				}))) {
			DistributedLockInterceptor interceptor = new DistributedLockInterceptor(() -> registry, null, null,
					Duration.ofSeconds(1));
			ProxyFactory factory = new ProxyFactory(subject);
			factory.setProxyTargetClass(true);
			factory.addAdvisor(new DistributedLockAdvisor(interceptor, 0));
			Object proxy = factory.getProxy(subject.getClass().getClassLoader());

			assertThat(proxy.getClass().getMethod("byIndex", String.class).invoke(proxy, "A1")).isEqualTo("A1");
			assertThat(acquired).containsExactly("gen:A1");
			Method byName = proxy.getClass().getMethod("byName", String.class);
			assertThatExceptionOfType(InvalidLockKeyException.class)
				.isThrownBy(() -> unwrap(() -> byName.invoke(proxy, "A1")))
				.withMessageContaining("#sku")
				.withMessageContaining("null");
		}
	}

	private Object compileSubject() throws Exception {
		Path source = this.sources.resolve("gen/NoNames.java");
		Files.createDirectories(source.getParent());
		Files.writeString(source, """
				package gen;

				import io.distcore.lock.DistributedLock;

				public class NoNames {

					@DistributedLock(prefix = "gen", key = "#p0")
					public String byIndex(String sku) {
						return sku;
					}

					@DistributedLock(prefix = "gen", key = "#sku")
					public String byName(String sku) {
						return sku;
					}

				}
				""");
		JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
		int status = compiler.run(null, null, null, "-g:none", "-classpath", System.getProperty("java.class.path"), "-d",
				this.sources.toString(), source.toString());
		assertThat(status).isZero();
		URLClassLoader loader = new URLClassLoader(new URL[] { this.sources.toUri().toURL() }, getClass().getClassLoader());
		return loader.loadClass("gen.NoNames").getDeclaredConstructor().newInstance();
	}

	private static void unwrap(ThrowingCall call) throws Throwable {
		try {
			call.run();
		}
		catch (java.lang.reflect.InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	@FunctionalInterface
	interface ThrowingCall {

		void run() throws Exception;

	}

}
